"""One exit-code contract for every command, and one way to say what went wrong.

    0  nothing at or above the threshold (verified)
    3  findings or exposure at or above the threshold
    1  error, including "could not verify" (no such bucket, endpoint unreachable, no credentials,
       every settings read denied): never a silent all-clear
    2  usage: a bad option or argument, found before any work starts
  130  interrupted (Ctrl-C)

Errors go to stderr as one line (`error: ...`), even with --quiet; a traceback only with --debug
(or PHISCOPE_DEBUG=1). Commands raise `CliError` (or `CouldNotVerify`) and `main` turns it into the
line and the code, so the contract lives in one place.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_FINDINGS = 3
EXIT_INTERRUPTED = 130

F = TypeVar("F", bound=Callable[..., Any])


def _cx() -> Any:
    """Click's exception classes as Typer uses them (recent Typer vendors Click as typer._click)."""
    try:
        from typer._click import exceptions
    except ImportError:  # older Typer on the real Click
        from click import exceptions  # type: ignore[no-redef]
    return exceptions


class CliError(Exception):
    """A user-facing failure: one line on stderr and an exit code (1 unless told)."""

    def __init__(self, message: str, code: int = EXIT_ERROR, hint: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.hint = hint

    def line(self) -> str:
        return one_line(str(self) + (f" ({self.hint})" if self.hint else ""))


class CouldNotVerify(CliError):
    """A target that could not be assessed: never reported as private or clean (exit 1)."""

    def __init__(self, target: str, cause: str, hint: str | None = None) -> None:
        super().__init__(f"could not verify {target}: {cause}", EXIT_ERROR, hint)
        self.target = target
        self.cause = cause


class UsageError(CliError):
    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_USAGE)


def one_line(text: str, limit: int = 400) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def debug_enabled() -> bool:
    return os.environ.get("PHISCOPE_DEBUG", "") not in ("", "0", "false")


def error_line(message: str) -> None:
    """The one stderr line of a failure (not silenced by --quiet)."""
    sys.stderr.write(f"error: {one_line(message)}\n")
    sys.stderr.flush()


def describe_exception(e: BaseException) -> str:
    """A short, content-free cause for a storage/SDK exception: the error code, not a message body."""
    resp = getattr(e, "response", None)
    if isinstance(resp, dict):
        err = resp.get("Error", {}) or {}
        code = err.get("Code") or (resp.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        if code:
            return str(code)
    name = type(e).__name__
    return {
        "NoCredentialsError": "no credentials found (AWS credential chain is empty)",
        "PartialCredentialsError": "incomplete credentials",
        "ProfileNotFound": f"profile not found ({one_line(str(e), 120)})",
        "EndpointConnectionError": "endpoint unreachable (EndpointConnectionError)",
        "ConnectTimeoutError": "endpoint unreachable (connect timeout)",
        "InvalidEndpointURL": "invalid endpoint URL",
        "ValueError": one_line(str(e), 200),
    }.get(name, name)


def guard(fn: F) -> F:
    """Wrap a command so a `CliError`, an unexpected exception or Ctrl-C ends in the contract's
    line and code, also when the command is invoked without `main` (tests with CliRunner)."""
    import typer

    cx = _cx()

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, cx.ClickException, typer.Abort):
            raise
        except CliError as e:
            if debug_enabled():
                traceback.print_exc()
            error_line(e.line())
            raise typer.Exit(e.code) from None
        except KeyboardInterrupt:
            error_line("interrupted")
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Exception as e:
            if debug_enabled():
                traceback.print_exc()
            error_line(f"{describe_exception(e)} (rerun with --debug for the traceback)")
            raise typer.Exit(EXIT_ERROR) from None

    return wrapper  # type: ignore[return-value]


def run(app: Any, argv: Sequence[str] | None = None) -> int:
    """Run the Typer app under the contract; returns the exit code."""
    import typer

    cx = _cx()
    args = list(sys.argv[1:] if argv is None else argv)
    if "--debug" in args:
        args = [a for a in args if a != "--debug"]
        os.environ["PHISCOPE_DEBUG"] = "1"
    command = typer.main.get_command(app)
    try:
        rv = command.main(args=args, prog_name="phiscope", standalone_mode=False)
    except cx.NoArgsIsHelpError as e:  # `phiscope` / `phiscope fix` alone: show the help
        sys.stdout.write(e.ctx.get_help() + "\n")
        return EXIT_USAGE if e.ctx.parent is not None else EXIT_OK
    except cx.UsageError as e:
        where = f" (see {e.ctx.command_path} --help)" if e.ctx is not None else ""
        error_line(e.format_message() + where)
        return EXIT_USAGE
    except cx.ClickException as e:  # e.g. a file option that does not exist
        error_line(e.format_message())
        return EXIT_USAGE if e.exit_code == EXIT_USAGE else EXIT_ERROR
    except typer.Abort:
        error_line("interrupted")
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        error_line("interrupted")
        return EXIT_INTERRUPTED
    except CliError as e:
        error_line(e.line())
        return e.code
    except Exception as e:
        if debug_enabled():
            traceback.print_exc()
        error_line(f"{describe_exception(e)} (rerun with --debug for the traceback)")
        return EXIT_ERROR
    if isinstance(rv, int):
        return rv
    return EXIT_OK


def guard_all(app: Any) -> None:
    """Apply `guard` to every command of a Typer app and its sub-apps (idempotent)."""
    for info in getattr(app, "registered_commands", []):
        cb = info.callback
        if cb is not None and not getattr(cb, "_phiscope_guarded", False):
            info.callback = guard(cb)
            info.callback._phiscope_guarded = True
    for group in getattr(app, "registered_groups", []):
        if group.typer_instance is not None:
            guard_all(group.typer_instance)
