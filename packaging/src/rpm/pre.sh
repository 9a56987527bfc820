#!/bin/sh
# %pre: the tandem system user and group, before the files that name them are unpacked.
getent group tandem >/dev/null || groupadd -r tandem
getent passwd tandem >/dev/null || useradd -r -g tandem -d /var/lib/tandem -M -s /sbin/nologin \
    -c "Tandem load balancer" tandem
exit 0
