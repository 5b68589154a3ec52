"""The exceptions kaitsu raises.

Bad *input* (a PDF that is corrupt, encrypted, not a notice, missing) never
raises: it gives an error record, as in the CLI. Only misuse raises: an
argument of the wrong type or value, an invalid policy, or (for
``check_password``) a notice that cannot be read or lacks the user.
Messages never quote a password.
"""


class KaitsuError(Exception):
    """Base class of every exception kaitsu raises."""


class ArgumentTypeError(KaitsuError, TypeError):
    """An argument of the wrong type (e.g. an ``int`` as a source)."""


class ArgumentValueError(KaitsuError, ValueError):
    """An argument of the right type with a value that cannot be used."""


class PolicyError(KaitsuError, ValueError):
    """The policy is invalid (unknown key, bad severity, unreadable file)."""


class NoticeError(KaitsuError):
    """``check_password``: the notice could not be read, or has no such user."""
