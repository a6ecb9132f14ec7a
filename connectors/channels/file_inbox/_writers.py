"""Is a local file still open for writing by some process? Read from Linux's /proc.

A stalled upload keeps its file open (sftp-server writes through one handle) while its
size and time stand still: settling alone would take it half-written. This looks for
a descriptor on the same file (a path ending in its name, then the same device and
inode: a chroot or a bind mount shows another path) whose access mode is write or
read-write. A writer holding it under another name (a hard link) is not seen.

It sees only what this process may read: /proc/<pid>/fd of processes of the same user,
or all of them for root (or with CAP_SYS_PTRACE). Another user's uploader is invisible,
and so is a writer on another machine (NFS) or one that closes between its writes:
this can only hold a file back, never make one be taken, so the inbox's other checks
(settling, the re-check before the move, watching a file after it was taken) stay.
psutil's ``open_files()`` would do about the same by path, but is no dependency of
the product; this is a readlink per open descriptor on the machine (about 5000 on a
shared build machine: 17 ms idle, 250 ms at a load of 13 on 2 cores), and runs
only for a file about to be taken.
"""

from __future__ import annotations

import os

_PROC = "/proc"


def open_for_writing(path: str) -> bool:
    """True when a process this one can see holds ``path`` open for writing."""
    try:
        target = os.stat(path, follow_symlinks=False)
    except OSError:
        return False  # gone: nothing to wait for
    wanted = (target.st_dev, target.st_ino)
    suffix = "/" + os.path.basename(path)
    try:
        pids = [name for name in os.listdir(_PROC) if name.isdigit()]
    except OSError:
        return False  # no /proc (not Linux): nothing can be seen
    for pid in pids:
        descriptors = f"{_PROC}/{pid}/fd"
        try:
            numbers = os.listdir(descriptors)
        except OSError:
            continue  # another user's process, or it just ended
        for number in numbers:
            link = f"{descriptors}/{number}"
            try:
                # Only a descriptor on a path ending in the same name can be the file
                # (socket:[..], pipe:[..] and a broker's log segments are skipped
                # without a stat); the same inode then proves it, whatever the path.
                if not os.readlink(link).endswith(suffix):
                    continue
                opened = os.stat(link)  # the open file itself; stat opens nothing
            except OSError:
                continue
            if (opened.st_dev, opened.st_ino) == wanted and _writable(pid, number):
                return True
    return False


def _writable(pid: str, number: str) -> bool:
    """Whether descriptor ``number`` of ``pid`` was opened for writing (its fdinfo flags)."""
    try:
        with open(f"{_PROC}/{pid}/fdinfo/{number}", encoding="ascii") as info:
            for line in info:
                if line.startswith("flags:"):
                    return int(line.split()[1], 8) & os.O_ACCMODE != os.O_RDONLY
    except (OSError, ValueError, IndexError):
        pass
    return True  # open, but how cannot be read: rather wait than take it half-written
