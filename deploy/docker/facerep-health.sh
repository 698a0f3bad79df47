#!/usr/bin/env bash
# Container health probe for the FaceRep silo images: exits 0 when the silo answers
# GET /health with 200 on its HTTP port (FaceRep__HttpPort, default 8080).
#
# The .NET runtime images carry no curl or wget, so this speaks HTTP/1.1 over bash's
# /dev/tcp. Docker's HEALTHCHECK --timeout (and compose's healthcheck.timeout) bounds it.
# Kubernetes does not use it: its probes call /health directly.
set -uo pipefail

port="${FaceRep__HttpPort:-8080}"
if [[ "$port" == "0" ]]; then
    # The HTTP endpoint is switched off, so there is nothing to ask; report healthy rather
    # than having the container restarted forever.
    exit 0
fi

exec 3<>"/dev/tcp/127.0.0.1/${port}" || exit 1
printf 'GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 5 status <&3 || exit 1
exec 3<&-

# "HTTP/1.1 200 OK"
[[ "$status" =~ ^HTTP/1\.[01]\ 200 ]]
