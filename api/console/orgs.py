"""Organizations (names, members, relations, partner feeds) and series, in the console."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.responses import Response
from starlette.routing import Route
from tortoise.transactions import in_transaction

from api.console.common import Console, page
from api.console.dashboard import notice_of, waiting_relations
from api.docs import console_form, console_page
from events import accounts, audit, catalogue
from events.errors import Conflict, FieldError, Invalid, NotFound
from events.models import Organization, Series, User
from events.validation import MAX_ID
from events.vocabulary import LANGUAGES, PARTNER_ROLES, translate

# A field error's path in the input model, and the form field that shows it (after the
# form's prefix: "org_", "series_", "invite_"; unique names keep each label its own).
FORM_FIELDS = {"name": "name_ja", "name.ja": "name_ja", "name.en": "name_en"}


def text(form: FormData, name: str, limit: int = 1000) -> str:
    return str(form.get(name, "")).strip()[:limit]


def form_errors(exc: Invalid | Conflict, lang: str, prefix: str) -> dict[str, str]:
    """Field errors as {form field: message in the page's language}."""
    if isinstance(exc, Conflict):
        field = str(exc.extra.get("field", "slug"))
        return {f"{prefix}_{field}": translate(f"console_taken_{field}", lang)}
    errors: dict[str, str] = {}
    for e in exc.errors:
        errors.setdefault(f"{prefix}_{FORM_FIELDS.get(e.field, e.field)}", e.text(lang))
    return errors


def values_of(form: FormData, prefix: str, *names: str) -> dict[str, str]:
    """The form's fields `prefix_name`, trimmed, by name without the prefix."""
    return {name: text(form, f"{prefix}_{name}", 600) for name in names}


def names(values: dict[str, str]) -> dict[str, Any]:
    return {"name": {"ja": values["name_ja"][:400], "en": values["name_en"][:400]}}


# ---- organizations ----------------------------------------------------------------------------

async def organization_for(c: Console, slug: str) -> Organization:
    """An organization this user may manage: admins any, organizers their own."""
    org = await catalogue.get_organization(slug)
    if not (c.actor.is_admin or (
            c.actor.role == "organizer" and c.actor.organization_id == org.id)):
        raise NotFound(f"No organization {slug!r}.")
    return org


def feed_urls(base_url: str, slug: str) -> list[tuple[str, str, str]]:
    """(role or "", https URL, webcal URL) of the organization's partner feeds."""
    url = f"{base_url}/feeds/orgs/{slug}.ics"
    out = []
    for role in ("", *PARTNER_ROLES):
        https = f"{url}?role={role}" if role else url
        out.append((role, https, "webcal://" + https.split("://", 1)[1]))
    return out


async def _orgs_page(c: Console, *, status: int = 200, errors: dict[str, str] | None = None,
                     form: dict[str, str] | None = None) -> Response:
    if c.actor.is_admin:
        orgs = await catalogue.list_organizations()
    else:
        orgs = await Organization.filter(id=c.actor.organization_id or 0)
    return c.render("console/orgs.html", status=status, orgs=orgs, errors=errors or {},
                    form=form or {}, notice=notice_of(c, ("org_created",)))


@console_page("Organizations: yours, or every one for admins (who also add them)")
@page
async def org_list(c: Console) -> Response:
    return await _orgs_page(c)


@console_form("Add an organization (admins)",
              fields=("org_slug", "org_name_ja", "org_name_en", "org_url"))
@page
async def org_create(c: Console) -> Response:
    if not c.actor.is_admin:
        raise NotFound("Only admins add organizations.")
    values = values_of(await c.request.form(), "org", "slug", "name_ja", "name_en", "url")
    try:
        async with in_transaction() as conn:
            org = await catalogue.create_organization({
                "slug": values["slug"], **names(values), "url": values["url"] or None})
            await audit.record("organization_created", actor=c.actor, now=c.now,
                               client=c.client, organization_id=org.id, target=org.slug,
                               details={"name_ja": org.name_ja, "name_en": org.name_en,
                                        "url": org.url}, conn=conn)
    except (Invalid, Conflict) as exc:
        return await _orgs_page(c, status=422 if isinstance(exc, Invalid) else 409,
                                errors=form_errors(exc, c.lang, "org"), form=values)
    return c.back(f"/console/orgs/{org.slug}", "org_created")


async def _org_page(c: Console, org: Organization, *, status: int = 200,
                    errors: dict[str, str] | None = None,
                    form: dict[str, str] | None = None,
                    invite: dict[str, str] | None = None) -> Response:
    members = await accounts.list_users(org.id)
    return c.render(
        "console/orgs_detail.html", status=status, org=org, errors=errors or {},
        form=form or {"name_ja": org.name_ja, "name_en": org.name_en, "url": org.url},
        invite=invite or {"email": "", "name": "", "locale": c.lang},
        members=members, relations=await waiting_relations(org.id, c.lang),
        feeds=feed_urls(c.request.app.state.settings.base_url, org.slug),
        languages=LANGUAGES, notice=notice_of(c, ORG_NOTICES))


ORG_NOTICES = ("org_created", "org_saved", "org_unchanged", "member_invited",
               "member_disabled", "relation_accepted", "relation_declined")


@console_page("One organization: names, pending relations, members, partner feeds")
@page
async def org_detail(c: Console) -> Response:
    return await _org_page(c, await organization_for(c, c.request.path_params["slug"]))


@console_form("Change an organization's names and URL",
              fields=("org_name_ja", "org_name_en", "org_url"))
@page
async def org_update(c: Console) -> Response:
    org = await organization_for(c, c.request.path_params["slug"])
    values = values_of(await c.request.form(), "org", "name_ja", "name_en", "url")
    try:
        async with in_transaction() as conn:
            changed = await catalogue.update_organization(
                org, {**names(values), "url": values["url"] or None}, now=c.now)
            if changed:
                await audit.record("organization_changed", actor=c.actor, now=c.now,
                                   client=c.client, organization_id=org.id, target=org.slug,
                                   details=changed, conn=conn)
    except Invalid as exc:
        return await _org_page(c, org, status=422, errors=form_errors(exc, c.lang, "org"),
                               form=values)
    return c.back(f"/console/orgs/{org.slug}", "org_saved" if changed else "org_unchanged")


@console_form("Invite a colleague: a passwordless account and a mailed link",
              fields=("invite_email", "invite_name", "invite_locale"))
@page
async def member_invite(c: Console) -> Response:
    org = await organization_for(c, c.request.path_params["slug"])
    values = values_of(await c.request.form(), "invite", "email", "name", "locale")
    locale = values["locale"] if values["locale"] in LANGUAGES else c.lang
    try:
        async with in_transaction() as conn:
            user = await accounts.invite(
                values["email"][:300], org_slug=org.slug, inviter=c.user, now=c.now,
                link_base=c.request.app.state.settings.base_url, name=values["name"][:200],
                locale=locale)
            await audit.record("user_invited", actor=c.actor, now=c.now, client=c.client,
                               organization_id=org.id, target=user.email,
                               details={"role": user.role, "locale": user.locale}, conn=conn)
    except (Invalid, Conflict) as exc:
        return await _org_page(c, org, status=422 if isinstance(exc, Invalid) else 409,
                               errors=form_errors(exc, c.lang, "invite"), invite=values)
    return c.back(f"/console/orgs/{org.slug}", "member_invited")


@console_form("Disable a member's account (admins)", fields=())
@page
async def member_disable(c: Console) -> Response:
    org = await organization_for(c, c.request.path_params["slug"])
    member = await _member(org, c.request.path_params["id"])
    if not c.actor.is_admin or member.id == c.user.id:
        raise NotFound("No such member.")
    async with in_transaction() as conn:
        await accounts.disable_user(member.email, c.now)
        await audit.record("user_disabled", actor=c.actor, now=c.now, client=c.client,
                           organization_id=org.id, target=member.email, conn=conn)
    return c.back(f"/console/orgs/{org.slug}", "member_disabled")


async def _member(org: Organization, raw_id: str) -> User:
    try:
        member_id = int(raw_id)
    except ValueError:
        member_id = 0
    member = (await User.get_or_none(id=member_id, organization_id=org.id)
              if 1 <= member_id <= MAX_ID else None)
    if member is None:
        raise NotFound("No such member.")
    return member


# ---- series -----------------------------------------------------------------------------------

async def series_for(c: Console, slug: str) -> Series:
    """A series this user may change: admins any, organizers their organization's."""
    series = await catalogue.get_series(slug)
    if not (c.actor.is_admin or (c.actor.role == "organizer" and c.actor.organization_id
                                 is not None and series.organization_id
                                 == c.actor.organization_id)):
        raise NotFound(f"No series {slug!r}.")
    return series


async def chosen_organization(c: Console, slug: str, current: Organization | None
                              ) -> Organization | None:
    """The organization a series form names: admins pick any (or none); an organizer's
    series belong to their own organization (`current` when editing)."""
    if not c.actor.is_admin:
        own = current or await Organization.get_or_none(id=c.actor.organization_id or 0)
        if slug and (own is None or slug != own.slug):
            raise Invalid([FieldError.of("organization", "series_org_not_yours")])
        return own
    if not slug:
        return None
    found = await Organization.get_or_none(slug=slug[:100])
    if found is None:
        raise Invalid([FieldError.of("organization", "unknown_organization", slug=slug)])
    return found


async def _series_page(c: Console, *, status: int = 200, errors: dict[str, str] | None = None,
                       form: dict[str, str] | None = None) -> Response:
    query = Series.all().prefetch_related("organization").order_by("slug")
    if not c.actor.is_admin:
        query = query.filter(organization_id=c.actor.organization_id or 0)
    own = await Organization.get_or_none(id=c.actor.organization_id or 0)
    return c.render("console/series.html", status=status, series=await query,
                    orgs=await catalogue.list_organizations() if c.actor.is_admin else [],
                    own=own, errors=errors or {},
                    form=form or {"organization": own.slug if own else ""},
                    notice=notice_of(c, ("series_created",)))


@console_page("Series: your organization's, or every one for admins; add one")
@page
async def series_list(c: Console) -> Response:
    return await _series_page(c)


@console_form("Add a series (admins for any organization, organizers for their own)",
              fields=("series_slug", "series_name_ja", "series_name_en", "series_organization"))
@page
async def series_create(c: Console) -> Response:
    values = values_of(await c.request.form(), "series", "slug", "name_ja", "name_en",
                       "organization")
    try:
        organization = await chosen_organization(c, values["organization"], None)
        async with in_transaction() as conn:
            series = await catalogue.create_series({"slug": values["slug"], **names(values)},
                                                   organization=organization)
            await audit.record("series_created", actor=c.actor, now=c.now, client=c.client,
                               organization_id=organization.id if organization else None,
                               target=series.slug, details={
                                   "name_ja": series.name_ja, "name_en": series.name_en,
                                   "organization": organization.slug if organization else None},
                               conn=conn)
    except (Invalid, Conflict) as exc:
        return await _series_page(c, status=422 if isinstance(exc, Invalid) else 409,
                                  errors=form_errors(exc, c.lang, "series"), form=values)
    return c.back(f"/console/series/{series.slug}", "series_created")


async def _series_detail(c: Console, series: Series, *, status: int = 200,
                         errors: dict[str, str] | None = None,
                         form: dict[str, str] | None = None) -> Response:
    organization = await Organization.get_or_none(id=series.organization_id or 0)
    return c.render("console/series_detail.html", status=status, s=series,
                    organization=organization, errors=errors or {},
                    orgs=await catalogue.list_organizations() if c.actor.is_admin else [],
                    form=form or {"name_ja": series.name_ja, "name_en": series.name_en,
                                  "organization": organization.slug if organization else ""},
                    notice=notice_of(c, ("series_created", "series_saved",
                                         "series_unchanged")))


@console_page("One series: names, and its organization (admins)")
@page
async def series_detail(c: Console) -> Response:
    return await _series_detail(c, await series_for(c, c.request.path_params["slug"]))


@console_form("Change a series' names (and its organization, admins)",
              fields=("series_name_ja", "series_name_en", "series_organization"))
@page
async def series_update(c: Console) -> Response:
    series = await series_for(c, c.request.path_params["slug"])
    values = values_of(await c.request.form(), "series", "name_ja", "name_en", "organization")
    current = await Organization.get_or_none(id=series.organization_id or 0)
    try:
        organization = (await chosen_organization(c, values["organization"], current)
                        if c.actor.is_admin else current)
        async with in_transaction() as conn:
            changed = await catalogue.update_series(series, names(values),
                                                    organization=organization, now=c.now)
            if changed:
                await audit.record("series_changed", actor=c.actor, now=c.now,
                                   client=c.client, organization_id=series.organization_id,
                                   target=series.slug, details=changed, conn=conn)
    except Invalid as exc:
        return await _series_detail(c, series, status=422,
                                    errors=form_errors(exc, c.lang, "series"), form=values)
    return c.back(f"/console/series/{series.slug}",
                  "series_saved" if changed else "series_unchanged")


routes = [
    Route("/console/orgs", org_list, methods=["GET"]),
    Route("/console/orgs", org_create, methods=["POST"]),
    Route("/console/orgs/{slug}", org_detail, methods=["GET"]),
    Route("/console/orgs/{slug}", org_update, methods=["POST"]),
    Route("/console/orgs/{slug}/members", member_invite, methods=["POST"]),
    Route("/console/orgs/{slug}/members/{id}/disable", member_disable, methods=["POST"]),
    Route("/console/series", series_list, methods=["GET"]),
    Route("/console/series", series_create, methods=["POST"]),
    Route("/console/series/{slug}", series_detail, methods=["GET"]),
    Route("/console/series/{slug}", series_update, methods=["POST"]),
]
