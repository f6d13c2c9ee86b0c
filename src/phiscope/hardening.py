"""Process-wide protections set once at start-up.

Everything PHIscope writes (findings DB and its WAL, logs, reports, plans, backups, spooled object
bytes) describes other people's secrets: files are created 0600 and folders 0700 whatever umask
the shell had (000 included), by tightening the umask before anything is opened.
"""

from __future__ import annotations

import os


def private_files() -> None:
    """Files 0600, folders 0700 from now on (a umask only ever removes permissions)."""
    os.umask(os.umask(0o077) | 0o077)
