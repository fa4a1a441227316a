"""企业: the list with filters, an enterprise's page (its state and its timeline), and the recording forms."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from application.ledger import Ledger
from application.results import HistoryPage
from domain import errors
from domain.enterprise import REGISTERED, RETRACTED
from domain.status import EnterpriseState
from domain.values import Kind, ProductCategory, Status
from interfaces.http.deps import LedgerDep, Today
from interfaces.http.read_side import ViewsDep, wait_for
from interfaces.web.auth_pages import checked_form
from interfaces.web.forms import FORMS, REGISTER, Form, Submission, new_key, permitted, record
from interfaces.web.labels import event_label
from interfaces.web.render import page, url, when
from interfaces.web.session import SignedIn, SignInRequired, Visitor
from projections import Views
from projections.views import ViewLagging

router = APIRouter(prefix="/web/enterprises", include_in_schema=False)
PAGE_ROWS = 50
TIMELINE_ROWS = 200  # events of the timeline a page shows; the rest by `after_version`
NOT_RETRACTABLE = (REGISTERED, RETRACTED)


def _towns(views: Views, at: Any) -> list[str]:
    return sorted({town for _s, town, _k, _n in views.status.counts(at.as_of, at.known_at)})


@router.get("")
def enterprise_list(request: Request, visitor: SignedIn, views: ViewsDep, today: Today) -> Response:
    """Enterprises at (as_of, known_at), filtered by town, kind, status and search, PAGE_ROWS a page."""
    return _list_page(request, visitor, views, today, Submission())


def _list_page(request: Request, visitor: Visitor, views: Views, today: Any, submission: Submission) -> Response:
    at = when(request, today)
    q = request.query_params
    filters = {"town": (q.get("town") or "").strip()[:100], "kind": q.get("kind") or "",
               "status": q.get("status") or "", "q": (q.get("q") or "").strip()[:100]}
    kind = filters["kind"] if filters["kind"] in {k.value for k in Kind} else None
    status = filters["status"] if filters["status"] in {s.value for s in Status} else None
    offset = int(q["offset"]) if (q.get("offset") or "").isdigit() and len(q["offset"]) < 10 else 0
    text = "".join(c for c in filters["q"] if c.isprintable()) or None
    found = views.status.enterprises(at.as_of, at.known_at, town=filters["town"] or None, kind=kind, status=status,
                                     q=text, limit=PAGE_ROWS, offset=offset)
    towns = _towns(views, at)
    caller = visitor.caller
    register_towns = list(caller.towns) if caller is not None and caller.towns else towns
    return page(request, visitor, "enterprises.html", status=submission.status, at=at, filters=filters,
                items=found.items, total=found.total, offset=offset, limit=PAGE_ROWS, towns=towns,
                kinds=list(Kind), statuses=list(Status), active="enterprises",
                register=REGISTER if permitted(caller, REGISTER, None) else None,
                register_options={"towns": [(t, t) for t in register_towns]},
                submission=submission, form_key=new_key(), today=today)


@router.post("")
async def register(request: Request, visitor: SignedIn, ledger: LedgerDep, views: ViewsDep, today: Today) -> Response:
    form = await checked_form(request, visitor)
    return await run_in_threadpool(_register, form, request, visitor, ledger, views, today)  # off the event loop


def _register(form: Any, request: Request, visitor: Visitor, ledger: Ledger, views: Views, today: Any) -> Response:
    if visitor.caller is None:
        raise SignInRequired()
    done = record(REGISTER, ledger, visitor.caller, today, None, form, request.url.path)
    if done.result is None:
        return _list_page(request, visitor, views, today, done)
    return RedirectResponse(url(f"/web/enterprises/{done.result.enterprise_id}", after=done.result.position,
                                recorded=done.result.version), status_code=303)


@router.get("/{enterprise_id}")
def enterprise_page(enterprise_id: UUID, request: Request, visitor: SignedIn, ledger: LedgerDep, views: ViewsDep,
                    today: Today) -> Response:
    """Its state at (as_of, known_at), its timeline (every event, retracted ones struck through), and forms."""
    return _enterprise_page(enterprise_id, request, visitor, ledger, views, today, None, Submission())


def _enterprise_page(enterprise_id: UUID, request: Request, visitor: Visitor, ledger: Ledger, views: Views,
                     today: Any, form: Form | None, submission: Submission) -> Response:
    after = request.query_params.get("after_version") or ""
    after_version = int(after) if after.isdigit() and len(after) < 10 else 0
    try:
        history = ledger.history(enterprise_id, after_version=after_version, limit=TIMELINE_ROWS)
        first = history if after_version == 0 else ledger.history(enterprise_id, limit=1)
    except errors.NotFound:
        return page(request, visitor, "error.html", status=404, title="没有这个企业",
                    detail=f"没有编号为 {enterprise_id} 的企业。", active="enterprises")
    at = when(request, today)
    lagging = False
    try:  # the view holds every event of this enterprise recorded so far (bounded wait)
        wait_for(views, _latest_position(ledger, enterprise_id, history), ("status",))
    except ViewLagging:
        lagging = True
    state = views.status.state_of(enterprise_id, at.as_of, at.known_at)
    # The forms offer what is true now (open orders, held licences), whatever time the page shows.
    current = state if not (at.as_of_given or at.known_at_given) else \
        views.status.state_of(enterprise_id, today, datetime.now(UTC))
    registration = first[0].payload
    caller = visitor.caller
    town = str(registration["town"])
    forms = [f for f in FORMS.values() if permitted(caller, f, town)]
    recorded = request.query_params.get("recorded")
    # A refusal of an act whose form this official is not shown (posted by hand) is said at the top.
    refusal = next(iter(submission.errors.values()), None) if form is not None and form not in forms else None
    return page(request, visitor, "enterprise.html", status=submission.status, at=at, enterprise_id=enterprise_id,
                history=history, registration=registration, state=state, lagging=lagging, acts=forms,
                options=_options(history, current, registration), open_act=form.key if form else None,
                after_version=after_version,
                submission=submission, form_key=new_key(), today=today, active="enterprises", refusal=refusal,
                recorded=int(recorded) if recorded and recorded.isdigit() and len(recorded) < 10 else None)


def _latest_position(ledger: Ledger, enterprise_id: UUID, history: HistoryPage) -> int:
    """The log position of the enterprise's latest event (this page's last, or read on its own)."""
    if history.next_after_version is None:
        return max(e.position for e in history)
    return ledger.history(enterprise_id, after_version=history.latest_version - 1, limit=1)[0].position


def _options(history: HistoryPage, state: EnterpriseState | None,
             registration: dict[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """The choices the forms offer for this enterprise: its open orders, licences, categories, and the
    retractable events of the timeline's page shown."""
    orders = [(o.order_no, f"{o.order_no}（期限 {o.deadline}）") for o in state.orders if o.passed_on is None] \
        if state else []
    licences = [(lic.license_no, f"{lic.license_no}（有效期至 {lic.valid_until}）") for lic in state.licenses] \
        if state else []
    categories = [(c, ProductCategory(c).label) for c in registration.get("product_categories", [])]
    categories += [(c.value, c.label) for c in ProductCategory if c.value not in dict(categories)]
    retractable = [(str(h.version), f"第 {h.version} 条 · {event_label(h.type)} · {h.occurred_on}")
                   for h in history if h.type not in NOT_RETRACTABLE and h.retracted is None]
    return {"open_orders": orders, "licenses": licences, "categories": categories, "retractable": retractable}


@router.post("/{enterprise_id}/{act_key}")
async def record_act(enterprise_id: UUID, act_key: str, request: Request, visitor: SignedIn, ledger: LedgerDep,
                     views: ViewsDep, today: Today) -> Response:
    """Records one act from its form; on a refusal the page comes back with the reason beside the field."""
    form = await checked_form(request, visitor)
    act = FORMS.get(act_key)
    if act is None:
        raise errors.NotFound(f"没有这种记录 {act_key} (no act {act_key})")
    return await run_in_threadpool(_record_act, enterprise_id, act, form, request, visitor, ledger, views, today)


def _record_act(enterprise_id: UUID, act: Form, posted: Any, request: Request, visitor: Visitor, ledger: Ledger,
                views: Views, today: Any) -> Response:
    if visitor.caller is None:
        raise SignInRequired()
    done = record(act, ledger, visitor.caller, today, enterprise_id, posted, request.url.path)
    if done.result is None:
        return _enterprise_page(enterprise_id, request, visitor, ledger, views, today, act, done)
    return RedirectResponse(url(f"/web/enterprises/{enterprise_id}", after=done.result.position,
                                recorded=done.result.version) + f"#v{done.result.version}", status_code=303)
