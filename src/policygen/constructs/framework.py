"""The one seam between policygen's constructs and the CDK framework of the user's app.

CDK for Terraform (``cdktf``, archived) and its successor CDK Terrain (``cdktn``) have the same API
under two module names, and their Python classes are distinct types: an element built on one
fails inside an app of the other (cdktn: ``e._resetResolveDiscoveredProviderFeatureUsage is not a
function``). So policygen declares its Terraform elements once, framework-neutral, as
:class:`FrameworkElement` subclasses; creating one makes (on first use, then cached) the real
subclass of the framework's own base class (``TerraformResource``, ``TerraformProvider``, ...)
and returns an instance of that. ``isinstance`` works against both the neutral class and the
framework's class, and jsii sees an ordinary subclass with its overrides.

The framework is the one of the scope the user passes in: the classes on its construct path (the
app, the stack, down to the scope) come from the module ``cdktf`` or from ``cdktn``. Neither, or
both, is an error that names the fix. This is the only module of policygen that touches either
framework, and it imports neither up front: it takes the module the user's scope comes from (already
imported by the app), so ``import policygen`` stays light and installs need only the framework they use.
"""

from __future__ import annotations

import importlib
import types
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

try:
    import jsii
    from constructs import Construct
except ImportError as exc:  # `pip install policygen` without an extra: the provider and CLI only
    raise ImportError(
        "policygen's constructs need a CDK framework, which is not installed: "
        "pip install 'policygen[cdktf]' (CDK for Terraform) or 'policygen[cdktn]' (CDK Terrain)."
    ) from exc

if TYPE_CHECKING:
    # To mypy, an element has every attribute of the framework class it becomes (cdktf's or cdktn's).
    from typing import Any as _ElementBase
else:
    _ElementBase = object

__all__ = ["FRAMEWORKS", "Construct", "Framework", "FrameworkElement", "framework_of"]

E = TypeVar("E", bound="FrameworkElement")

#: Module name -> product name, for every framework policygen binds to.
FRAMEWORKS = {"cdktf": "CDK for Terraform", "cdktn": "CDK Terrain"}
#: Where the README explains the choice and the migration.
_HELP = "see the README, section 'CDK Terrain (cdktn)'"


@dataclass(frozen=True, eq=False)
class Framework:
    """One framework (``cdktf`` or ``cdktn``): everything policygen's constructs ask of it."""

    #: The module: ``cdktf`` or ``cdktn``.
    module: types.ModuleType
    _bound: dict[type, type] = field(default_factory=dict, repr=False)
    _producer: list[type] = field(default_factory=list, repr=False)
    _aspect: list[type] = field(default_factory=list, repr=False)

    @property
    def name(self) -> str:
        """The module's name, ``cdktf`` or ``cdktn``."""
        return self.module.__name__

    def bind(self, neutral: type[E]) -> type[E]:
        """The subclass of ``neutral`` and of this framework's base class (made once, then cached)."""
        bound: type[E] | None = self._bound.get(neutral)
        if bound is None:
            base = getattr(self.module, neutral.framework_base)
            namespace = {
                "__module__": neutral.__module__,
                "__qualname__": neutral.__qualname__,
                "__doc__": neutral.__doc__,
                "_framework": self,
            }
            bound = types.new_class(neutral.__name__, (neutral, base), exec_body=lambda ns: ns.update(namespace))
            self._bound[neutral] = bound
        return bound

    def adopt(self, construct: Construct) -> None:
        """Record that ``construct``, a plain construct just made in a scope of this framework, is of it too.

        Its children then find their framework without asking jsii for the construct path.
        """
        _KNOWN[construct] = self

    def stack_of(self, scope: Construct) -> Any:
        """The ``TerraformStack`` that ``scope`` belongs to (asked of jsii once per scope: a construct
        never moves, and each generation asks for its stack four times, 0.2 ms a round trip)."""
        stack = _STACKS.get(scope)
        if stack is None:
            stack = _STACKS[scope] = self.module.TerraformStack.of(scope)
        return stack

    def outdir(self, stack: Any) -> Path:
        """The folder the app synthesizes into (``cdktf.out`` or ``CDKTF_OUTDIR``)."""
        return Path(self.module.App.of(stack).outdir)

    def generator_metadata(self, provider_name: str, version_constraint: str) -> Any:
        """The ``TerraformProviderGeneratorMetadata`` of a hand-written binding."""
        return self.module.TerraformProviderGeneratorMetadata(
            provider_name=provider_name, provider_version_constraint=version_constraint
        )

    def output(self, scope: Construct, id: str, *, value: Any, description: str) -> Any:
        """A ``TerraformOutput`` whose logical id is ``id`` as given (not a hashed construct path)."""
        output = self.module.TerraformOutput(scope, id, value=value, description=description)
        output.override_logical_id(id)
        return output

    def lazy(self, produce: Callable[[], Any]) -> Any:
        """A token whose value ``produce()`` computes when the stack is synthesized."""
        if not self._producer:

            @jsii.implements(self.module.IAnyProducer)
            class Producer:
                def __init__(self, produce: Callable[[], Any]) -> None:
                    self._produce = produce

                def produce(self, context: Any) -> Any:
                    return self._produce()

            self._producer.append(Producer)
        return self.module.Lazy.any_value(self._producer[0](produce))

    def at_synth(self, stack: Any, action: Callable[[], None]) -> None:
        """Run ``action`` each time ``stack`` is synthesized (an aspect), never when constructs are made."""
        if not self._aspect:

            @jsii.implements(self.module.IAspect)
            class AtSynth:
                def __init__(self, stack: Any, action: Callable[[], None]) -> None:
                    self._stack = stack
                    self._action = action

                def visit(self, node: Any) -> None:  # called for every construct of the stack, once a synth
                    if node is self._stack:  # jsii hands back the same Python object for the stack
                        self._action()

            self._aspect.append(AtSynth)
        self.module.Aspects.of(stack).add(self._aspect[0](stack, action))

    def is_unresolved(self, value: Any) -> bool:
        """Whether ``value`` is a token (known only at apply)."""
        return bool(self.module.Token.is_unresolved(value))

    def is_provider(self, value: Any) -> bool:
        """Whether ``value`` is a ``TerraformProvider`` of this framework (any binding)."""
        return isinstance(value, self.module.TerraformProvider)

    def check_same(self, value: Any, argument: str) -> None:
        """Raise TypeError when ``value`` (the argument ``argument``) is an element of the other framework."""
        others = sorted(_frameworks_of_class(type(value)) - {self.name})
        if others:
            other = others[0]
            raise TypeError(
                f"{argument}= ({type(value).__name__}) was made with {other} ({FRAMEWORKS[other]}), but this "
                f"construct is in a {self.name} ({FRAMEWORKS[self.name]}) app; the two frameworks' classes do not "
                f"work together. Create it in this app, with {self.name} ({_HELP})."
            )

    def source_dirs(self) -> tuple[str, ...]:
        """The folders of the framework's and jsii's Python code (left out of a user's call site)."""
        return tuple(str(Path(module.__file__ or "").parent) for module in (self.module, jsii))


class FrameworkElement(_ElementBase):
    """A policygen Terraform element, written once for both frameworks.

    A subclass names the framework class it extends in :attr:`framework_base` and calls
    ``super().__init__(scope, id, ...)`` as a subclass of that class would. Creating it returns an
    instance of :meth:`Framework.bind`'s subclass for the framework of ``scope``; in its methods,
    ``self._framework`` is that framework.
    """

    #: The framework class this one extends: ``TerraformProvider``, ``TerraformResource``, ...
    framework_base: ClassVar[str]
    #: The framework of the bound class (set by :meth:`Framework.bind`).
    _framework: ClassVar[Framework]

    def __new__(cls, scope: Construct, *args: Any, **kwargs: Any) -> Self:
        bound = cls if "_framework" in cls.__dict__ else framework_of(scope).bind(cls)
        # Python then runs __init__ of the bound class, which ends in the framework's: that creates
        # the jsii object and registers it, as jsii's own metaclass would.
        return object.__new__(bound)


#: The framework of each construct seen: a construct's path never changes.
_KNOWN: weakref.WeakKeyDictionary[Construct, Framework] = weakref.WeakKeyDictionary()
_BY_NAME: dict[str, Framework] = {}
#: The stack of each scope asked about (:meth:`Framework.stack_of`).
_STACKS: weakref.WeakKeyDictionary[Construct, Any] = weakref.WeakKeyDictionary()


def framework_of(scope: Construct) -> Framework:
    """The framework of the app that ``scope`` belongs to.

    Raises TypeError when no class on ``scope``'s construct path comes from cdktf or cdktn (the
    scope is not in a CDK app), or when classes of both do (the app mixes the two).
    """
    if not isinstance(scope, Construct):
        raise TypeError(f"scope must be a construct (a TerraformStack, or a construct inside one), not {scope!r}.")
    known = _KNOWN.get(scope)
    if known is not None:
        return known
    path: Sequence[Any] = scope.node.scopes  # the root (the app) first, ``scope`` last
    seen: dict[str, Any] = {}
    for construct in path:
        for name in _frameworks_of_class(type(construct)):
            seen.setdefault(name, construct)
    if not seen:
        raise TypeError(
            f"policygen's constructs belong in a CDK for Terraform (cdktf) or CDK Terrain (cdktn) app, but "
            f"the scope {_where(scope)} is a {_describe(type(scope))} and nothing on its construct path comes "
            "from either. Pass a TerraformStack (or a construct inside one): for example "
            f"`stack = cdktf.TerraformStack(cdktf.App(), 'stack')`, or the same with cdktn ({_HELP})."
        )
    if len(seen) > 1:
        found = "; ".join(f"{_describe(type(c))} at {_where(c)}" for c in seen.values())
        raise TypeError(
            f"the construct path of {_where(scope)} mixes cdktf and cdktn ({found}). Their classes are distinct "
            "types and do not work together in one app (cdktn fails at synth). Build the app on one of them: "
            f"import App, TerraformStack and every other CDK class from either cdktf or cdktn ({_HELP})."
        )
    (name,) = seen
    framework = _BY_NAME.get(name) or _BY_NAME.setdefault(name, Framework(importlib.import_module(name)))
    for construct in path:
        _KNOWN[construct] = framework
    return framework


def _frameworks_of_class(cls: type) -> set[str]:
    """The frameworks whose modules define ``cls`` or one of its bases."""
    return {root for klass in cls.__mro__ if (root := klass.__module__.partition(".")[0]) in FRAMEWORKS}


def _describe(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _where(construct: Construct) -> str:
    path = construct.node.path
    return f"{path!r}" if path else "(the root)"
