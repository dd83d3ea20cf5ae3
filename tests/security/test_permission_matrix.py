"""The generated permission matrix (issue 16): every object-bearing URL of the URLconf and of
``/api/schema/`` × every role × another township's (and, for a village assistant, another
village's) object answers 404 — or the 403 / 405 the role gets on its own township's object
when it may not use the endpoint at all — and no request changes the other township's rows.

The URL names, roles and exclusion rules live in ``tests/security/matrix.py``; a new
object-bearing URL name without an entry there fails ``test_every_object_bearing_url_has_an_entry``.
One test per role batches its requests, so the whole matrix stays well under a minute."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from relief.models import Region, Role, User
from tests.security.matrix import (
    EXCLUDED_PREFIXES,
    OBJECT_KWARG,
    OTHER_TOWNSHIP,
    PERSONAS,
    REGISTRY,
    Entry,
    Persona,
)
from tests.security.objects import build_objects

PAGE_METHODS = ("GET", "POST")
#: Tables a refused request may still write: the session, the login-lockout bookkeeping.
INFRASTRUCTURE_TABLES = re.compile(r"^(django_session|axes_\w+)$")
WRITE_SQL = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I)


# --- walking the URLconf and the schema --------------------------------------------------------
@dataclass(frozen=True)
class Route:
    name: str
    route: str
    kwargs: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")


def _walk(resolver, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            kwargs = tuple(k for k in pattern.pattern.regex.groupindex if k != "format")
            route = prefix + str(pattern.pattern)
            if "(?P<format>" in route or "<drf_format_suffix" in route:
                continue  # the ``.json`` twin of a route already walked
            yield Route(name=name or "", route=route, kwargs=kwargs)


def excluded(route: str) -> str:
    plain = route.lstrip("^")
    return next((why for prefix, why in EXCLUDED_PREFIXES.items() if plain.startswith(prefix)), "")


def object_routes() -> list[Route]:
    """Every URL of the URLconf that names an object, outside the exclusion rules."""
    seen: dict[str, Route] = {}
    for route in _walk(get_resolver()):
        if excluded(route.route) or not any(OBJECT_KWARG.match(k) for k in route.kwargs):
            continue
        seen.setdefault(route.name or f"<unnamed {route.route}>", route)
    return list(seen.values())


def schema_operations() -> dict[str, tuple[re.Pattern, set[str]]]:
    """``/api/schema/``'s paths with parameters: path → (regex over concrete paths, methods)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {}
    for path, item in schema["paths"].items():
        if "{" not in path:
            continue
        regex = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")
        methods = {m.upper() for m in item if m in ("get", "post", "put", "patch", "delete")}
        operations[path] = (regex, methods)
    return operations


def test_every_object_bearing_url_has_an_entry():
    """A new object-bearing URL name fails here until tests/security/matrix.py says how to
    build its object for a township; an entry for a URL name that is gone fails too."""
    names = {r.name for r in object_routes()}
    missing = sorted(names - set(REGISTRY))
    stale = sorted(set(REGISTRY) - names)
    assert not missing, (
        "object-bearing URL names without an entry in tests/security/matrix.py REGISTRY "
        "(add how to build the object for a township): " + ", ".join(missing)
    )
    assert not stale, "REGISTRY entries for URL names that no longer exist: " + ", ".join(stale)


def _path_value(values: dict, match: re.Match) -> str:
    return str(values.get(match.group(1), 1))


#: Values the registry gives kwargs that pick a variant (``kind`` → income …), for resolving.
LITERALS = {
    key: value[1:]
    for entry in REGISTRY.values()
    for key, value in entry.kwargs.items()
    if value.startswith("=")
}


def test_every_schema_path_with_a_parameter_is_a_registered_url():
    """Each path of ``/api/schema/`` with a parameter resolves to a URL name of the registry
    (or of an exclusion rule), so the schema cannot grow an endpoint the matrix skips."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    uncovered = []
    for path, item in schema["paths"].items():
        if "{" not in path:
            continue
        enums = {
            p["name"]: p["schema"]["enum"][0]
            for op in item.values()
            if isinstance(op, dict)
            for p in op.get("parameters", [])
            if p.get("in") == "path" and p.get("schema", {}).get("enum")
        }
        concrete = re.sub(r"\{([^}]+)\}", partial(_path_value, LITERALS | enums), path)
        try:
            match = resolve(concrete)
        except Resolver404:
            uncovered.append(f"{path} (does not resolve as {concrete})")
            continue
        if match.view_name not in REGISTRY and not excluded(path.lstrip("/")):
            uncovered.append(f"{path} ({match.view_name})")
    assert not uncovered, "schema paths without a REGISTRY entry: " + ", ".join(uncovered)


# --- the matrix ----------------------------------------------------------------------------
def _url(name: str, entry: Entry, objects: SimpleNamespace) -> str:
    kwargs = {
        key: (value[1:] if value.startswith("=") else attrgetter(value)(objects))
        for key, value in entry.kwargs.items()
    }
    return reverse(name, kwargs=kwargs)


def _methods(route: Route, url: str, operations) -> tuple[str, ...]:
    if not route.is_api:
        return PAGE_METHODS
    found: set[str] = set()
    for regex, methods in operations.values():
        if regex.match(url):
            found |= methods
    return tuple(sorted(found)) or ("GET",)


def _client(user: User, *, api: bool):
    client = APIClient() if api else Client()
    if api:
        client.force_authenticate(user)
    else:
        client.force_login(user)
    client.raise_request_exception = False
    return client


def _call(client, method: str, url: str, *, api: bool):
    call = getattr(client, method.lower())
    if api and method != "GET":
        return call(url, {}, format="json")
    return call(url, {}) if method != "GET" else call(url)


def _writes(queries) -> list[str]:
    tables = []
    for query in queries:
        match = WRITE_SQL.match(query["sql"])
        if match and not INFRASTRUCTURE_TABLES.match(match.group(1)):
            tables.append(match.group(1))
    return tables


def _snapshot(objects: SimpleNamespace) -> dict:
    """Row counts of every table and every field of the other township's objects."""
    counts = {
        m._meta.db_table: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.managed
        and not m._meta.proxy
        and not INFRASTRUCTURE_TABLES.match(m._meta.db_table)
    }
    rows = {
        name: type(obj)._default_manager.filter(pk=obj.pk).values().first()
        for name, obj in vars(objects).items()
        if isinstance(obj, Model)
    }
    return {"counts": counts, "rows": rows}


def _diff(before: dict, after: dict) -> list[str]:
    out = [
        f"{t}: {before['counts'][t]} → {after['counts'][t]} rows"
        for t in before["counts"]
        if before["counts"][t] != after["counts"][t]
    ]
    for name, row in before["rows"].items():
        new = after["rows"][name]
        if new != row:
            changed = sorted(k for k in row if new is None or row[k] != new.get(k))
            out.append(f"{name}: fields {changed} changed")
    return out


class Matrix:
    """Tries every registered URL against the persona's own and the other objects."""

    def __init__(self, persona: Persona, user: User, own: SimpleNamespace, operations):
        self.persona, self.user, self.own, self.operations = persona, user, own, operations
        self.page = _client(user, api=False)
        self.api = _client(user, api=True)
        self.tried = 0
        self.leaks: list[str] = []
        self.own_status: dict[tuple[str, str], int] = {}
        self.statuses: dict[int, int] = {}

    def _own(self, route: Route, entry: Entry, method: str) -> int:
        """The status the persona gets on its own township's object (nothing kept)."""
        key = (route.name, method)
        if key not in self.own_status:
            url = _url(route.name, entry, self.own)
            with transaction.atomic():
                response = _call(self.client(route), method, url, api=route.is_api)
                transaction.set_rollback(True)
            self.own_status[key] = response.status_code
        return self.own_status[key]

    def own_get(self, name: str) -> int:
        route = next(r for r in object_routes() if r.name == name)
        return self._own(route, REGISTRY[name], "GET")

    def client(self, route: Route):
        return self.api if route.is_api else self.page

    def try_other(self, route: Route, objects: SimpleNamespace, label: str) -> None:
        entry = REGISTRY[route.name]
        url = _url(route.name, entry, objects)
        for method in _methods(route, url, self.operations):
            self.tried += 1
            with CaptureQueriesContext(connection) as queries, transaction.atomic():
                response = _call(self.client(route), method, url, api=route.is_api)
                if entry.shared:
                    transaction.set_rollback(True)  # shared objects: a permitted change is fine
            status = response.status_code
            self.statuses[status] = self.statuses.get(status, 0) + 1
            where = f"{self.persona.username} {method} {url} ({route.name}, {label})"
            writes = _writes(queries.captured_queries)
            if status >= 500:
                self.leaks.append(f"{where}: HTTP {status}")
                continue
            if entry.shared:
                if status >= 400 and writes:
                    self.leaks.append(f"{where}: refused with {status} but wrote {writes}")
                continue
            if writes:
                self.leaks.append(f"{where}: HTTP {status} and wrote to {sorted(set(writes))}")
            if status == 404:
                continue
            own = self._own(route, entry, method)
            if status == own and status in (403, 405):
                continue  # the role may not use the endpoint (or the method) at all
            if status == 403:
                self.leaks.append(f"{where}: 403 where 404 is due (own object: {own})")
            else:
                self.leaks.append(f"{where}: HTTP {status} (own object: {own}), 404 expected")


def _second_county() -> tuple[Region, Region, User]:
    """A township of another county, for the county-level roles' "other" objects."""
    county = Region.objects.create(code="340522000000", name="繁昌区", level=Region.Level.COUNTY)
    township = Region.objects.create(
        code="340522100000", name="繁阳镇", level=Region.Level.TOWNSHIP, parent=county
    )
    village = Region.objects.create(
        code="340522100201", name="繁阳社区", level=Region.Level.VILLAGE, parent=township
    )
    clerk = User.objects.create_user(
        username="clerk_fanyang",
        password="x",
        role=Role.TOWNSHIP_CLERK,
        region=township,
        full_name="钱志明",
    )
    return township, village, clerk


#: Pages and API calls the township clerk must reach on its own objects: proof that the
#: matrix's 404s come from scoping, not from objects the views cannot find anyway.
OWN_REACHABLE_BY_CLERK = (
    "cases:detail",
    "case-detail",
    "intake-case-detail",
    "cases:member_edit",
    "recipients:detail",
    "recipient-detail",
    "rosters:detail",
    "roster-detail",
    "review:rectification_detail",
    "archive:document",
)


def test_every_role_has_a_persona():
    assert {p.role for p in PERSONAS} == set(Role.values)


@pytest.mark.parametrize("persona", PERSONAS, ids=lambda p: p.role)
def test_another_townships_objects_answer_404_and_stay_unchanged(demo, persona, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = demo.user(persona.username)
    home, village = getattr(demo, persona.home), getattr(demo, persona.village)
    own = build_objects(township=home, village=village, owner=demo.user("clerk"))
    others: list[tuple[str, SimpleNamespace]] = []
    if user.is_county_level:
        township, far_village, clerk = _second_county()
        others.append(
            ("other county", build_objects(township=township, village=far_village, owner=clerk))
        )
    else:
        others.append(
            (
                "other township",
                build_objects(
                    township=getattr(demo, OTHER_TOWNSHIP),
                    village=demo.wuxi_village,
                    owner=demo.user("clerk_wuxi"),
                ),
            )
        )
    if persona.role == Role.VILLAGE_ASSISTANT:
        neighbour = Region.objects.filter(parent=home).exclude(pk=village.pk).order_by("code")[0]
        others.append(
            (
                "other village",
                build_objects(township=home, village=neighbour, owner=demo.user("clerk")),
            )
        )
    matrix = Matrix(persona, user, own, schema_operations())
    routes = [r for r in object_routes() if r.name in REGISTRY]
    if persona.role == Role.TOWNSHIP_CLERK:  # the fixture builds objects the views find
        reachable = {r.name for r in routes if r.name in OWN_REACHABLE_BY_CLERK}
        reachable = {name for name in reachable if 200 <= matrix.own_get(name) < 300}
        assert reachable == set(OWN_REACHABLE_BY_CLERK), sorted(reachable)
    for label, objects in others:
        before = _snapshot(objects)
        for route in routes:
            matrix.try_other(route, objects, label)
        changed = _diff(before, _snapshot(objects))
        if changed:
            matrix.leaks.append(f"{persona.username} changed the {label}'s rows: {changed}")
    print(
        f"permission matrix: {persona.username} ({persona.role}): {len(routes)} URL names, "
        f"{matrix.tried} requests {dict(sorted(matrix.statuses.items()))}, "
        f"{len(matrix.leaks)} leaks"
    )
    assert not matrix.leaks, f"{len(matrix.leaks)} leaks:\n" + "\n".join(matrix.leaks)
