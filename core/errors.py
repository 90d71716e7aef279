"""Exception types shared by every Saline component."""


class SalineError(Exception):
    """Base class for errors Saline reports to the user without a traceback."""


class ConfigError(SalineError):
    """A configuration file or option is invalid."""


class SaltInvocationError(SalineError):
    """A function was called with bad arguments (Salt's name, kept for familiarity)."""


class CommandExecutionError(SalineError):
    """A function failed while doing its work."""


class CommandNotFoundError(SalineError):
    """The requested module function does not exist or is not available."""


class ActionRefusedError(SalineError):
    """A function that changes the system was called while only planning (test=True)."""


class RenderError(SalineError):
    """A template or SLS file could not be rendered."""


class CommandTimeoutError(SalineError):
    """An operation did not finish within its time limit."""
