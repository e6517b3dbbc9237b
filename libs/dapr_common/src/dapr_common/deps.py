"""The FastAPI glue's one way to what an app holds: a registry keyed by type, and typed
dependencies over it.

An app puts what its lifespan builds into the registry (`provide(app, dapr)`), and routes,
subscribers and job callbacks declare what they receive (`dapr: DaprDep`): no handler reads
`request.app.state` itself, and a missing piece is a clear error naming its type.
"""

import inspect
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar, cast, get_type_hints

from fastapi import Depends, FastAPI, Request

from dapr_common.client import DaprClient
from dapr_common.settings import DaprSettings

T = TypeVar("T")


class Resources:
    """One object per type: the Dapr client, the settings, the database, a token issuer…"""

    def __init__(self) -> None:
        self._by_type: dict[type, object] = {}

    def put(self, value: object, as_type: type | None = None) -> None:
        self._by_type[as_type or type(value)] = value

    def get(self, kind: type[T]) -> T:
        try:
            return cast(T, self._by_type[kind])
        except KeyError:
            raise LookupError(
                f"this app provides no {kind.__name__} (is the app started, its lifespan run?)"
            ) from None

    def drop(self, kind: type) -> None:
        self._by_type.pop(kind, None)


def resources_of(app: FastAPI) -> Resources:
    """The app's registry (made on first use)."""
    found = getattr(app.state, "resources", None)
    if not isinstance(found, Resources):
        found = Resources()
        app.state.resources = found
    return found


def provide(app: FastAPI, value: object, as_type: type | None = None) -> None:
    """Make `value` what handlers asking for its type (or `as_type`) receive."""
    resources_of(app).put(value, as_type)


def provided(kind: type[T]) -> Callable[[Request], Awaitable[T]]:
    """A dependency answering the app's `kind`: `Annotated[Kind, Depends(provided(Kind))]`."""

    async def dependency(request: Request) -> T:  # async: no thread-pool hop per request
        return resources_of(request.app).get(kind)

    dependency.__name__ = f"provided_{kind.__name__}"
    return dependency


async def provided_resources(request: Request) -> Resources:
    return resources_of(request.app)


DaprDep = Annotated[DaprClient, Depends(provided(DaprClient))]
DaprSettingsDep = Annotated[DaprSettings, Depends(provided(DaprSettings))]
ResourcesDep = Annotated[Resources, Depends(provided_resources)]

__all__ = [
    "DaprDep",
    "DaprSettingsDep",
    "Resources",
    "ResourcesDep",
    "handler_endpoint",
    "provide",
    "provided",
    "resources_of",
]


def injected_parameters(handler: Callable[..., object], skip: int) -> list[inspect.Parameter]:
    """The parameters of `handler` after its first `skip` (what the library passes itself),
    as keyword-only parameters with their annotations resolved: put them in an endpoint's
    signature and FastAPI provides them (`dapr: DaprDep`, `request: Request`…)."""
    hints = get_type_hints(handler, include_extras=True)
    params = list(inspect.signature(handler).parameters.values())[skip:]
    return [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY, annotation=hints.get(p.name, p.annotation))
        for p in params
    ]


_OWN_REQUEST = "_dapr_common_request"


def handler_endpoint(
    handler: Callable[..., object],
    skip: int,
    call: Callable[[Request, dict[str, Any], dict[str, Any]], Awaitable[T]],
    path_params: tuple[str, ...] = (),
) -> Callable[..., Awaitable[T]]:
    """An endpoint whose signature is `handler`'s after its first `skip` parameters (plus
    `path_params`), so FastAPI resolves what the handler declares. `call(request, path, deps)`
    runs per request with the path parameters and the handler's resolved dependencies."""
    injected = injected_parameters(handler, skip)
    # FastAPI gives the request to one parameter only: the handler's own, if it asks for it.
    asked = next((p.name for p in injected if p.annotation is Request), None)
    leading = [] if asked else [_keyword(_OWN_REQUEST, Request)]
    own = [_keyword(name, str) for name in path_params]

    async def endpoint(**values: Any) -> T:
        request = values[asked] if asked else values.pop(_OWN_REQUEST)
        path = {name: values.pop(name) for name in path_params}
        return await call(request, path, values)

    endpoint.__signature__ = inspect.Signature([*leading, *own, *injected])  # type: ignore[attr-defined]
    return endpoint


def _keyword(name: str, annotation: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation)
