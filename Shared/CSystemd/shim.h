// libsystemd's daemon helpers (sd_notify, sd_watchdog_enabled) for FathomShared's Systemd module.
#include <systemd/sd-daemon.h>
