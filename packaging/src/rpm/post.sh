#!/bin/sh
# %post ($1 = 1 on install, 2 on upgrade): directories, the sysctl setting, and the unit enabled or
# not as the system's presets say (a service is off until enabled, on most RPM distributions).
systemd-tmpfiles --create /usr/lib/tmpfiles.d/tandem.conf || :
/usr/lib/systemd/systemd-sysctl /usr/lib/sysctl.d/60-tandem.conf \
    || echo "tandem: could not apply /usr/lib/sysctl.d/60-tandem.conf now; it applies at the next boot" >&2
systemctl daemon-reload >/dev/null 2>&1 || :
if [ "$1" -eq 1 ]; then
    systemctl --no-reload preset tandem.service >/dev/null 2>&1 || :
fi
exit 0
