#!/bin/sh
# Node as PID 1 of a container turns abort into SIGSEGV; in a pod (shared pid namespace with
# pause) or on a host it dies with SIGTRAP (5), as the seed expects.
cd "$(dirname "$0")"
exec node --abort-on-uncaught-exception index.js
