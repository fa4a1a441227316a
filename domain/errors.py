"""Typed errors of the domain. Every refusal is one of these, never an assert.

Two families: `InvalidValue` (a value in the command is wrong in itself: it names the
field) and `RuleBroken` (the command is well formed but the enterprise's state forbids
it). The HTTP layer maps the families to 422 and 409 in one place.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal the domain makes."""

    rule: str = "domain-error"
    title: str = "Refused"
    field: str | None = None

    def __init__(self, detail: str, *, field: str | None = None, **extensions: str) -> None:
        super().__init__(detail)
        self.detail = detail
        if field is not None:
            self.field = field
        self.extensions = extensions  # more members of the problem document (RFC 9457 extensions)


class InvalidValue(DomainError):
    """A value in the command is wrong in itself."""

    rule = "invalid-value"
    title = "Invalid value"


class RuleBroken(DomainError):
    """The command is well formed, but a campaign rule forbids it now."""

    rule = "rule-broken"
    title = "A rule forbids this"


class NotFound(DomainError):
    rule = "not-found"
    title = "Not found"


class NotPermitted(DomainError):
    """The acting official's role or towns do not cover this act."""

    rule = "not-permitted"
    title = "Not permitted"


class Unauthenticated(DomainError):
    rule = "unauthenticated"
    title = "Not authenticated"


# --- invalid values ---------------------------------------------------------


class InvalidCreditCode(InvalidValue):
    rule = "credit-code"
    title = "Invalid unified social credit code"
    field = "credit_code"


class DateInFuture(InvalidValue):
    rule = "date-in-future"
    title = "Date is in the future"
    field = "occurred_on"


class DeadlineNotAfterOrder(InvalidValue):
    rule = "deadline-after-order"
    title = "Deadline must be after the order's date"
    field = "deadline"


class NoItems(InvalidValue):
    rule = "order-needs-items"
    title = "An order to rectify lists at least one item"
    field = "items"


class ValidUntilNotAfterGrant(InvalidValue):
    rule = "valid-until-after-grant"
    title = "A license is valid until a date after its grant"
    field = "valid_until"


class FailedSampleWithoutItems(InvalidValue):
    rule = "failed-sample-needs-items"
    title = "A failed sample lists at least one failed item"
    field = "failed_items"


class ViolationWithoutFindings(InvalidValue):
    rule = "violation-needs-findings"
    title = "An inspection with outcome violation lists at least one finding"
    field = "findings"


class ReasonRequired(InvalidValue):
    rule = "reason-required"
    title = "A reason is required"
    field = "reason"


class ControlCharacters(InvalidValue):
    rule = "control-characters"
    title = "Text contains control characters"


class BlankValue(InvalidValue):
    rule = "blank-value"
    title = "A required value is blank"


class BidiControl(InvalidValue):
    """Bidirectional overrides, embeddings and isolates make text display in another order than it is stored."""

    rule = "bidi-control"
    title = "Text contains bidirectional control characters"


# --- broken rules -------------------------------------------------------------


class BeforeRegistration(RuleBroken):
    rule = "before-registration"
    title = "Dated before the enterprise's registration"
    field = "occurred_on"


class EnterpriseClosed(RuleBroken):
    rule = "enterprise-closed"
    title = "The enterprise is closed"


class DuplicateOrderNo(RuleBroken):
    rule = "order-no-unique"
    title = "Order number already used for this enterprise"
    field = "order_no"


class OrderNotOpen(RuleBroken):
    rule = "verification-needs-open-order"
    title = "A verification refers to an open order"
    field = "order_no"


class VerificationBeforeOrder(RuleBroken):
    rule = "verification-after-order"
    title = "A verification is dated on or after its order"
    field = "occurred_on"


class DuplicateLicenseNo(RuleBroken):
    rule = "license-no-unique"
    title = "License number already used for this enterprise"
    field = "license_no"


class LicenseTypeMismatch(RuleBroken):
    rule = "license-type-fits-kind"
    title = "License type does not fit the enterprise's kind"
    field = "license_type"


class LicenseNotHeld(RuleBroken):
    rule = "review-needs-held-license"
    title = "Only a license the enterprise holds can be reviewed"
    field = "license_no"


class DuplicateReview(RuleBroken):
    rule = "one-review-per-year"
    title = "This license was already reviewed for that year"
    field = "year"


class ReviewBeforeGrant(RuleBroken):
    rule = "review-after-grant"
    title = "A review is dated on or after the license's grant"
    field = "occurred_on"


class DuplicateSampleNo(RuleBroken):
    rule = "sample-no-unique"
    title = "Sample number already used for this enterprise"
    field = "sample_no"


class CannotRetract(RuleBroken):
    rule = "retraction-target"
    title = "That event cannot be retracted"
    field = "event_version"


class CreditCodeTaken(RuleBroken):
    rule = "credit-code-unique"
    title = "An enterprise with this credit code is already registered"
    field = "credit_code"


class OfficialInactive(RuleBroken):
    rule = "official-inactive"
    title = "The official is deactivated"


class ConcurrencyConflict(RuleBroken):
    rule = "version-mismatch"
    title = "The enterprise has changed since the version you read"


class IdempotencyKeyReused(RuleBroken):
    rule = "idempotency-key-reused"
    title = "Idempotency-Key already used for a different request"


# --- random draws (双随机) ------------------------------------------------------


class InvalidPlan(InvalidValue):
    rule = "draw-plan-invalid"
    title = "The draw plan is not valid"


class InvalidCommitment(InvalidValue):
    rule = "seed-commitment-format"
    title = "A seed commitment is the SHA-256 of the seed, as 64 lower-case hex digits"
    field = "seed_commitment"


class PlanNotOpen(RuleBroken):
    rule = "draw-plan-state"
    title = "The draw plan is not in a state that allows this"


class SeedMismatch(RuleBroken):
    rule = "seed-matches-commitment"
    title = "The seed does not hash to the plan's commitment"
    field = "seed"


class DrawImpossible(RuleBroken):
    rule = "draw-impossible"
    title = "Not enough eligible inspectors for a drawn enterprise"


class NotADrawnTarget(RuleBroken):
    rule = "draw-target"
    title = "The enterprise was not drawn by that plan"
    field = "draw_id"


class DuplicateConflict(RuleBroken):
    rule = "conflict-declared-once"
    title = "This conflict is already declared"
    field = "enterprise_id"


# --- the log itself -------------------------------------------------------------


class LogIntegrityError(DomainError):
    """The stored log no longer matches the leaf hashes recorded with it: changed below the application.

    Not the caller's doing and not theirs to fix: the HTTP layer answers 500 with its own
    problem type (`log-integrity`), and `zhijian audit verify` names every break.
    """

    rule = "log-integrity"
    title = "The event log fails its integrity check"
