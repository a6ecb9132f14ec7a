"""The stage engines: consume, act and commit, for every stage of ketenbus."""
