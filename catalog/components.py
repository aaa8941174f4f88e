"""The one way every pluggable component is registered and built.

Each stage keeps one registry (``crawler.registry.COLLECTORS``,
``transcribe.registry.ENGINES``, ``index.registry.BACKENDS``): a ``Registry`` that maps a
name, the value a user writes in ``raqib.toml``, to ``"module:Class"``. Modules are
imported only when their component is asked for, so listing names stays cheap and an
unused engine's heavy dependencies are never loaded. A component class is built with
``Class.from_config(config, **options)``; the stage's base class gives a default.

To add a component: write its module (a class implementing the stage's base class) and add
one line to the stage's registry. Nothing else names it: the setting's allowed values, the
config check and the command-line choices all come from ``Registry.names()``.

``Settings`` is what components may read from the configuration: ``get("section.key")``
and ``data_dir``. Stages type against it rather than importing the loader in ``raqib``,
so the configuration module may itself consult the registries.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")


class Settings(Protocol):
    """Read access to Raqib's configuration (``raqib.config.Config`` implements it)."""

    data_dir: Path

    def get(self, key: str) -> Any: ...


class UnknownComponent(ValueError):
    """No component is registered under that name; the message lists the known ones."""


class Registry(MutableMapping[str, str], Generic[T]):
    """Names → ``"module:Class"`` for one kind of component (``what``: "source kind").

    A mapping: ``registry["name"] = "module:Class"`` registers a component at run time (a
    plugin, or a test's toy component with ``monkeypatch.setitem``)."""

    def __init__(self, what: str, entries: dict[str, str]) -> None:
        self.what = what
        self._entries = dict(entries)

    def __getitem__(self, name: str) -> str:
        return self._entries[name]

    def __setitem__(self, name: str, target: str) -> None:
        if ":" not in target:
            raise ValueError(f"{self.what} {name!r}: register 'module:Class', not {target!r}")
        self._entries[name] = target

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> list[str]:
        """Registered names, in registration order."""
        return list(self._entries)

    def load(self, name: str) -> type[T]:
        """The component class registered as ``name``; UnknownComponent if there is none."""
        try:
            target = self._entries[name]
        except KeyError:
            raise UnknownComponent(
                f"unknown {self.what} {name!r} (known: {', '.join(self._entries)})") from None
        module_name, _, class_name = target.partition(":")
        return getattr(importlib.import_module(module_name), class_name)

    def build(self, name: str, config: Settings | None = None, **options: Any) -> T:
        """``load(name).from_config(config, **options)``."""
        return self.load(name).from_config(config, **options)

    def classes(self) -> Iterator[tuple[str, type[T]]]:
        """Every (name, class), importing each module: for checks and contract tests."""
        for name in self._entries:
            yield name, self.load(name)
