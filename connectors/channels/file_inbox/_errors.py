"""What can go wrong in a file inbox, beside what every channel shares.

::

    ChannelError (connectors.channels.errors)
    ├── RawStoreError            Kafka did not acknowledge the raw record: the file stays
    └── FolderError              the folder (local or over SFTP) could not be read or
                                 changed: the file stays, tried again at the next poll

The messages name paths inside the partner's folder and the kind of failure, never
file contents.
"""

from __future__ import annotations

from connectors.channels.errors import ChannelError


class FolderError(ChannelError):
    """A folder operation failed (listing, reading, renaming, writing a reason)."""
