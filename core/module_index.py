"""The literal registry of builtin execution modules: name -> backends in preference order.

Greppable on purpose: no directory scanning at import time. Third-party modules come through the
``saline.modules`` entry-point group.
"""

BUILTIN_MODULES: dict[str, tuple[str, ...]] = {
    "test": ("saline.modules.test",),
    "sys": ("saline.modules.sysmod",),
    "state": ("saline.modules.state",),
    "log": ("saline.modules.log",),
    "user": ("saline.modules.user",),
    "group": ("saline.modules.group",),
    "status": ("saline.modules.status",),
    "slsutil": ("saline.modules.slsutil",),
    "pkg": ("saline.modules.pkg_apt",),
    "cp": ("saline.modules.cp",),
    "mine": ("saline.modules.mine",),
    "event": ("saline.modules.event",),
    "saltutil": ("saline.modules.saltutil",),
    "defaults": ("saline.modules.defaults",),
    "grains": ("saline.modules.grains",),
    "cmd": ("saline.modules.cmd",),
    "file": ("saline.modules.file",),
    "pillar": ("saline.modules.pillar",),
    "config": ("saline.modules.config",),
    "docker": ("saline.modules.docker_mod",),
    "service": ("saline.modules.service_systemd", "saline.modules.service_sysv"),
    "network": ("saline.modules.network",),
    "environ": ("saline.modules.environ",),
    "match": ("saline.modules.match",),
    "hashutil": ("saline.modules.hashutil",),
    "random": ("saline.modules.random_mod",),
    "sysctl": ("saline.modules.sysctl_linux",),
    "hosts": ("saline.modules.hosts",),
    "timezone": ("saline.modules.timezone",),
    "locale": ("saline.modules.locale_mod",),
    "git": ("saline.modules.git",),
    "ini": ("saline.modules.ini_manage",),
    "alternatives": ("saline.modules.alternatives",),
    "ssh": ("saline.modules.ssh",),
    "pip": ("saline.modules.pip",),
    "cron": ("saline.modules.cron",),
}
