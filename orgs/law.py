"""What each jurisdiction's law says, in the words Rightsdesk shows and sends.

Every text that cites law (form help, refusal grounds, storage only, next of kin,
compensation, the route to a regulator or a court, letters) is read from here by the
organisation's jurisdiction, so an Amsterdam organisation never speaks of PIPL and a
new jurisdiction is one more entry. Citations follow ../shared/LAW.md; this is data,
not legal advice.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from orgs.models import Jurisdiction


@dataclass(frozen=True)
class LawTexts:
    jurisdiction: str
    regime: str  # the law's short name, e.g. "PIPL"
    currency: str  # ISO 4217 code a claim defaults to
    rights: object  # what the person may ask for, one paragraph (form help, landing page)
    deletion: object  # the provision giving the right to deletion
    storage_only: object  # why a record is kept for storage only instead of deleted
    retention_expired: object  # a record deleted because its retention period ran out
    # A close relative acting for a deceased person, where the law has it; None elsewhere.
    next_of_kin: object | None
    agent: object  # someone filing for a living person
    reasons_required: object  # the duty to give reasons when refusing
    redress: object  # where a refused or dissatisfied person can turn
    compensation: object  # the law on compensation, for the claim form and letters
    compensation_basis: object  # label of the assessment basis on the desk
    # (code, label) pairs the desk offers as the legal ground of a refusal; the label
    # is what is stored on the request and sent to the person.
    refusal_grounds: tuple[tuple[str, object], ...]
    # The kinds of request a close relative may file (RightsRequest.Kind values); empty
    # where the law has no next of kin.
    next_of_kin_kinds: tuple[str, ...] = ()
    # How the person's identity will be verified, told in the code mail where the code
    # mail acknowledges receipt (CCPA regs §§7021(a), 7060-7062); None elsewhere.
    verification_steps: object | None = None
    # The code mail's acknowledgement of receipt, with %(organisation)s, %(received)s and
    # %(due)s, where the law requires one (CCPA regs §7021(a)); None elsewhere.
    acknowledgement: object | None = None
    # Where the decision on an appeal is final (deadlines.Policy.appeal_decision_final):
    # what its letter says instead of another appeal, with the external route.
    appeal_final: object | None = None
    # The law an opt-out (deadlines.OPT_OUT_KINDS) is carried out under, for its letter;
    # None where the law has no such kinds.
    opt_out: object | None = None
    # The provisions on consent asked for separately, not bundled with other terms, and on a
    # child's consent given by its guardian, cited in the consent ledger's refusals; None
    # where the law has no such rule.
    separate_consent: object | None = None
    guardian_consent: object | None = None
    # The rule that templates sent to a central system need separate consent (Measures art. 8).
    central_templates: object | None = None
    # The law that gives a person another way in than a face scan (the `alternative`
    # request), for the form and the letters; None where the law has no such request.
    alternative: object | None = None
    # Why and under which provisions the yearly transparency report gives its figures
    # (requests_app/reports), cited on the report's page and in its downloads.
    transparency: object | None = None


_IDENTITY = _("The requester's identity could not be verified")

LAW: dict[str, LawTexts] = {
    Jurisdiction.CN: LawTexts(
        jurisdiction=Jurisdiction.CN, regime="PIPL", currency="CNY",
        rights=_("Under China's Personal Information Protection Law you may see and copy your personal "
                 "information (art. 45), have it corrected (art. 46), deleted (art. 47), have the processing "
                 "rules explained (art. 48), restrict or refuse processing and withdraw consent (arts. 15, 44), "
                 "and claim compensation for harm (art. 69)."),
        deletion=_("PIPL art. 47"),
        storage_only=_("PIPL art. 47(2): a statutory retention period has not expired, or deletion is "
                       "technically infeasible; all processing except storage and security protection stops"),
        retention_expired=_("Retention period expired (PIPL art. 47(1))"),
        next_of_kin=_("PIPL art. 49: a close relative may consult, copy, correct or delete a deceased person's "
                      "information for their own lawful interests, unless the deceased arranged otherwise."),
        agent=_("An agent may file with the person's signed authorisation."),
        reasons_required=_("PIPL art. 50: an organisation that refuses a request must give its reasons."),
        redress=_("You may complain to the cyberspace administration or another department responsible for "
                  "personal information protection (PIPL arts. 60, 65), or bring a claim before a people's "
                  "court (PIPL art. 50)."),
        compensation=_("Under PIPL art. 69 an organisation that cannot show it was not at fault pays for the harm "
                       "it caused: the person's loss or the organisation's gain, or an amount set on the "
                       "circumstances."),
        compensation_basis=_("Basis (PIPL art. 69)"),
        alternative=_("Where face recognition is not the only way to verify who you are, you may ask for another "
                      "reasonable and convenient way, such as a card, a code or a check by staff (Measures for the "
                      "Security Management of Facial Recognition Technology art. 10; Supreme People's Court "
                      "provisions on facial recognition, Fa Shi [2021] No. 15, art. 10)."),
        refusal_grounds=(
            ("cn_47_2", _("PIPL art. 47(2): a statutory retention period has not expired")),
            ("cn_45_18", _("PIPL arts. 45, 18(1), 35: laws or regulations require confidentiality")),
            ("cn_44_law", _("PIPL art. 44: a law or administrative regulation provides otherwise")),
            ("cn_49_arranged", _("PIPL art. 49: the deceased arranged otherwise")),
            ("cn_identity", _("GB/T 35273-2020 s8.7: the requester's identity could not be verified")),
            ("cn_excessive", _("GB/T 35273-2020 s8.7: the request is unreasonable or repeated")),
        ),
        # PIPL art. 49: consult, copy, correct, delete; nothing else.
        next_of_kin_kinds=("access", "copy", "correction", "deletion"),
        separate_consent=_("PIPL arts. 14, 29; Measures for the Application of Facial Recognition Technology art. 6"),
        guardian_consent=_("PIPL art. 31; Measures for the Application of Facial Recognition Technology art. 6"),
        central_templates=_("Measures for the Application of Facial Recognition Technology art. 8"),
        transparency=_("PIPL art. 50 requires a convenient way to receive and handle requests, and reasons for "
                       "every refusal; GB/T 35273-2020 s8.7 recommends an answer within 30 days. These figures "
                       "show how the organisation met those duties."),
    ),
    Jurisdiction.EU: LawTexts(
        jurisdiction=Jurisdiction.EU, regime="GDPR", currency="EUR",
        rights=_("Under the GDPR you may access your personal data (art. 15), have it rectified (art. 16) or "
                 "erased (art. 17), restrict its processing (art. 18), receive it in a portable form "
                 "(art. 20), object to processing (art. 21), withdraw consent (art. 7(3)), and claim "
                 "compensation for damage (art. 82)."),
        deletion=_("GDPR art. 17"),
        storage_only=_("GDPR arts. 17(3)(b) and 18: kept only as far as a legal obligation requires, and "
                       "processed for nothing else"),
        retention_expired=_("Retention period expired (GDPR arts. 5(1)(e), 17(1)(a))"),
        next_of_kin=None,  # the GDPR does not cover deceased persons (recital 27)
        separate_consent=_("GDPR arts. 7(2), 9(2)(a)"),
        guardian_consent=_("GDPR art. 8"),
        agent=_("A representative may file with the person's signed authorisation."),
        reasons_required=_("GDPR art. 12(4): a controller that does not act on a request must say why."),
        redress=_("You may lodge a complaint with a data-protection supervisory authority and seek a judicial "
                  "remedy (GDPR arts. 12(4), 77 and 79)."),
        compensation=_("Under GDPR art. 82 anyone who suffered material or non-material damage from an "
                       "infringement may receive compensation from the controller, unless it proves it is not "
                       "in any way responsible."),
        compensation_basis=_("Basis (GDPR art. 82)"),
        transparency=_("GDPR art. 12(3) requires an answer within one month (extendable by two more with "
                       "reasons), and art. 12(4) reasons for not acting; art. 5(2) makes the controller "
                       "accountable for showing it complies. These figures show how the organisation met those "
                       "duties."),
        refusal_grounds=(
            ("eu_12_5", _("GDPR art. 12(5): the request is manifestly unfounded or excessive")),
            ("eu_12_2", _("GDPR arts. 11(2), 12(2): the requester cannot be identified")),
            ("eu_17_3_b", _("GDPR art. 17(3)(b): a legal obligation requires the data to be kept")),
            ("eu_17_3_e", _("GDPR art. 17(3)(e): the data are needed for legal claims")),
            ("eu_17_3_a", _("GDPR art. 17(3)(a): freedom of expression and information")),
            ("eu_15_4", _("GDPR art. 15(4): a copy would adversely affect the rights of others")),
            ("eu_23", _("GDPR art. 23: a restriction laid down by Union or Member State law")),
        ),
    ),
    Jurisdiction.US_CA: LawTexts(
        jurisdiction=Jurisdiction.US_CA, regime="CCPA", currency="USD",
        rights=_("Under the California Consumer Privacy Act you may know what personal information a business "
                 "holds about you and get a copy (Civ. Code §§1798.110, 1798.130), have it corrected "
                 "(§1798.106) or deleted (§1798.105), opt out of its sale or sharing (§1798.120) and limit "
                 "the use of sensitive personal information (§1798.121)."),
        deletion=_("Cal. Civ. Code §1798.105"),
        storage_only=_("Cal. Civ. Code §1798.105(d)(8): kept to comply with a legal obligation, and used for "
                       "nothing else"),
        retention_expired=_("Retention period expired (Cal. Civ. Code §1798.100(a)(3))"),
        next_of_kin=None,
        agent=_("An authorised agent may file with the consumer's signed permission (Cal. Code Regs. tit. 11 "
                "§7063)."),
        reasons_required=_("Cal. Code Regs. tit. 11 §7022: a business that denies a request must explain the "
                           "basis for the denial."),
        redress=_("You may file a complaint with the California Privacy Protection Agency or the California "
                  "Attorney General."),
        compensation=_("The CCPA gives statutory damages only after a data breach (Civ. Code §1798.150); any "
                       "other claim is settled by agreement or under general law."),
        compensation_basis=_("Basis of the settlement"),
        transparency=_("Cal. Code Regs. tit. 11 §7102(a) requires the yearly number of requests to know, delete, "
                       "correct, opt out and limit that were received, complied with in whole or in part, and "
                       "denied, and the median or mean days to respond substantively; these are those metrics, "
                       "compiled for every requester."),
        refusal_grounds=(
            ("ca_7062", _("Cal. Code Regs. tit. 11 §7062: the request could not be verified")),
            ("ca_105_d_8", _("Civ. Code §1798.105(d)(8): needed to comply with a legal obligation")),
            ("ca_105_d_2", _("Civ. Code §1798.105(d)(2): needed to help ensure security and integrity")),
            ("ca_105_d_1", _("Civ. Code §1798.105(d)(1): needed to complete the transaction or provide the "
                             "service")),
            ("ca_145_h", _("Civ. Code §1798.145(h): the request is manifestly unfounded or excessive")),
        ),
        verification_steps=_("How we verify your request (Cal. Code Regs. tit. 11 §§7060-7062): we match what you "
                             "gave with what we hold about you. To know the categories of information, or to delete "
                             "or correct it, two pieces of information must match; to receive specific pieces of "
                             "information, three must match and you sign a declaration under penalty of perjury "
                             "that you are the person. You will not be asked to open an account. If you filed "
                             "through an authorised agent, confirming this code confirms that you gave the agent "
                             "permission (§7063)."),
        acknowledgement=_("This message confirms that %(organisation)s received your request on %(received)s "
                          "(Cal. Code Regs. tit. 11 §7021(a)). It must answer within 45 calendar days of receipt, "
                          "by %(due)s, however long verification takes (Civ. Code §1798.130)."),
        opt_out=_("Under Cal. Civ. Code §1798.120 a business may not sell or share your personal information once "
                  "you have opted out, and under §1798.121 it may use your sensitive personal information only for "
                  "the purposes the law allows; it must wait at least 12 months before asking you to opt in again "
                  "(§1798.135(c)(4))."),
    ),
    Jurisdiction.BR: LawTexts(
        jurisdiction=Jurisdiction.BR, regime="LGPD", currency="BRL",
        rights=_("Under Brazil's LGPD (art. 18) you may confirm that your data are processed, access them, "
                 "have them corrected, anonymised, blocked or deleted, receive them in a portable form, learn "
                 "with whom they were shared, and revoke consent; a full access statement is due within 15 "
                 "days (art. 19)."),
        deletion=_("LGPD art. 18(VI)"),
        storage_only=_("LGPD art. 16(I): kept to comply with a legal or regulatory obligation"),
        retention_expired=_("Retention period expired (LGPD arts. 15(I), 16)"),
        next_of_kin=None,
        agent=_("A legally constituted representative may file for the person (LGPD art. 18 §3)."),
        separate_consent=_("LGPD arts. 8 §4, 11(I)"),
        guardian_consent=_("LGPD art. 14 §1"),
        reasons_required=_("LGPD art. 18 §4: a controller that cannot act at once must say why."),
        redress=_("You may petition the national data-protection authority (ANPD) (LGPD art. 18 §1) or go "
                  "to court (art. 22)."),
        compensation=_("Under LGPD art. 42 a controller or operator that causes material, moral, individual or "
                       "collective damage in breach of the law must make it good."),
        compensation_basis=_("Basis (LGPD art. 42)"),
        transparency=_("LGPD art. 6(VI) requires clear information to data subjects, and art. 19 a full "
                       "statement within 15 days; these figures show how the organisation met those duties."),
        refusal_grounds=(
            ("br_16_i", _("LGPD art. 16(I): a legal or regulatory obligation requires the data to be kept")),
            ("br_18_4", _("LGPD art. 18 §4(I): the organisation is not the controller of the data")),
            ("br_identity", _IDENTITY),
        ),
    ),
    Jurisdiction.US_VA: LawTexts(
        jurisdiction=Jurisdiction.US_VA, regime="VCDPA", currency="USD",
        rights=_("Under Virginia's Consumer Data Protection Act you may confirm and access your personal data, "
                 "have it corrected or deleted, get a portable copy, and opt out of targeted advertising, sale "
                 "and profiling (Va. Code §59.1-577)."),
        deletion=_("Va. Code §59.1-577(A)(3)"),
        storage_only=_("Va. Code §59.1-582(A)(1): kept to comply with federal, state or local law"),
        retention_expired=_("Retention period expired (Va. Code §59.1-578)"),
        next_of_kin=None,
        agent=_("A parent or guardian may file for a known child (Va. Code §59.1-577(A))."),
        reasons_required=_("Va. Code §59.1-577(B)(2): a controller that declines to act must give the "
                           "justification and the instructions for an appeal."),
        redress=_("You may appeal the decision; if the appeal is denied you may contact the Virginia Attorney "
                  "General to submit a complaint (Va. Code §59.1-577(C))."),
        compensation=_("The VCDPA gives no private right of action (Va. Code §59.1-584); any claim is settled by "
                       "agreement or under other law."),
        compensation_basis=_("Basis of the settlement"),
        transparency=_("Va. Code §59.1-577(B) requires an answer within 45 days (extendable once by 45) and the "
                       "justification for declining to act; these figures show how the controller met those "
                       "duties."),
        refusal_grounds=(
            ("va_577_b", _("Va. Code §59.1-577(B)(5): the request could not be authenticated")),
            ("va_582_a_1", _("Va. Code §59.1-582(A)(1): needed to comply with federal, state or local law")),
            ("va_582_a_3", _("Va. Code §59.1-582(A)(3): needed to defend legal claims")),
            ("va_577_b_excessive", _("Va. Code §59.1-577(B): the request is manifestly unfounded, excessive or "
                                     "repetitive")),
        ),
        opt_out=_("Under Va. Code §59.1-577(A)(5) the controller may no longer process your personal data for the "
                  "purpose you opted out of: targeted advertising, the sale of personal data, or profiling."),
        appeal_final=_("This is the decision on your appeal and it is final (Va. Code §59.1-577(C)). If you "
                       "disagree, you may contact the Virginia Attorney General to submit a complaint: online at "
                       "www.oag.state.va.us, Consumer Protection Section."),
    ),
}


def texts(jurisdiction: str) -> LawTexts:
    """The law of `jurisdiction` (a Jurisdiction code); KeyError for an unknown code."""
    return LAW[jurisdiction]


def refusal_ground_label(jurisdiction: str, code: str):
    """The label of one of the jurisdiction's refusal grounds, or None if it has no such code."""
    return dict(texts(jurisdiction).refusal_grounds).get(code)
