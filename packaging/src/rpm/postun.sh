#!/bin/sh
# %postun ($1 = 0 on erase, 1 on upgrade): an upgrade restarts a running service on the new files.
# An erase keeps the tandem user and /var/lib/tandem, as RPM distributions do with system users.
systemctl daemon-reload >/dev/null 2>&1 || :
if [ "$1" -ge 1 ]; then
    systemctl try-restart tandem.service >/dev/null 2>&1 || :
fi
exit 0
