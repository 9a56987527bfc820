#!/bin/sh
# %preun ($1 = 0 on erase, 1 on upgrade): an erase stops and disables the service.
if [ "$1" -eq 0 ]; then
    systemctl --no-reload disable --now tandem.service >/dev/null 2>&1 || :
fi
exit 0
