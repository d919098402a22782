"""The demo's requests, one story each: which person files what with which organisation,
and every step of its history, days back from today in the organisation's time zone
(every step is in the past). SCENARIOS lists them in the order they are seeded.
"""

from orgs.models import CollectionPoint
from requests_app import workflow
from requests_app.actors import SUBJECT, SYSTEM, member
from requests_app.demo.data import (
    AMSTERDAM, CAMERA_VENDOR, GOLDEN_GATE, GREENFIELD, HANGZHOU_CASE_KEY, NANJING, PAPER_ARCHIVE, PARK, demo_email,
)
from requests_app.demo.engine import Scenario, Scene
from requests_app.models import Attachment, RightsRequest

Kind = RightsRequest.Kind
FiledBy = RightsRequest.FiledBy


def hangzhou_case(s: Scene) -> RightsRequest:
    """Guo Bing v. Hangzhou Wildlife World (2019-2021), filed with Rightsdesk instead of a court.

    Left in review on purpose: the decision the park refused in 2019 (delete the face data,
    photos included, and, as the appeal court added, the fingerprints) is the demo user's to
    take, with the compensation offer of RMB 1,038 waiting for Guo's answer."""
    rr = s.submit(20, "09:12", Kind.DELETION,
                  data_description="My face photos and fingerprint templates taken for my annual pass "
                                   "HWW-2019-0427 and used at the park gate (fingerprint reader, north gate "
                                   "face scanner).",
                  details="I bought a two-person annual pass on 27 April 2019 and entered by fingerprint. In "
                          "July and October 2019 the park texted that I must enrol my face or lose entry. I do "
                          "not agree to face recognition. Delete my facial data, including the photos, and my "
                          "fingerprints, and compensate me for the pass and my travel costs.")
    s.verify_by_code(rr, 20, "09:18")
    s.do(20, "09:25", workflow.claim_compensation, rr, actor=SUBJECT, amount_minor=103800, currency="CNY",
         covers="annual pass (lost contract benefit) and travel costs")
    s.assign(rr, 19, "10:05")
    s.do(18, "11:00", workflow.ask_for_information, rr, actor=member(s.officer),
         question="We hold a fingerprint template and a face template made from the photos for pass "
                  "HWW-2019-0427. Did you also enrol at the north gate face scanner, or only give photos at "
                  "the ticket office?", reason="clarification")
    s.do(16, "20:40", workflow.answer, rr, actor=SUBJECT,
         body="Only photos and fingerprints at the ticket office on 27 April 2019. I never used the face scanner.")
    claim = rr.claims.get()
    s.do(12, "15:00", workflow.assess_claim, claim, actor=member(s.owner), basis="loss", amount_minor=103800,
         note="Lost benefit of the two-person annual pass (RMB 1,360) for the months fingerprint entry was "
              "refused, plus his travel costs: the RMB 1,038 the Fuyang court awarded in 2020.")
    s.do(12, "15:10", workflow.offer_compensation, claim, actor=member(s.owner), amount_minor=103800)
    s.do(5, "16:30", workflow.message_subject, rr, actor=member(s.officer),
         body="We offered RMB 1,038. Before deciding on deletion we are confirming with the gate vendor which "
              "copies of your templates it holds.")
    return rr


def park_fulfilling(s: Scene) -> RightsRequest:
    rr = s.submit(12, "10:00", Kind.DELETION, data_description="Face and fingerprint data for pass HWW-2019-0611.")
    s.verify(rr, 12, "16:30", "Pass holder came to the ticket office; identity card and pass HWW-2019-0611 checked.")
    s.assign(rr, 11, "09:30", by=s.officer)
    s.do(4, "11:00", workflow.approve, rr, actor=member(s.officer),
         note="No statutory retention applies: delete the templates, the paper form and the vendor's copy.")
    s.worker(rr, 4, "11:01")  # the vault deletes his two templates at once
    s.do(2, "14:00", workflow.record_task_outcome, s.task(rr, PAPER_ARCHIVE), actor=member(s.users["park.archive"]),
         outcome={"connector": "manual", "outcome": "deleted",
                  "note": "Pass application form, photos and fingerprint card shredded."})
    return rr  # the gate vendor's webhook has not reported yet: sent when `make run`'s worker is up


def park_next_of_kin(s: Scene) -> RightsRequest:
    """PIPL art. 49: the daughter files with her own email, names her late father by his pass,
    attaches the evidence; her code confirms her mailbox; the officer's check verifies."""
    rr = s.submit(9, "10:00", Kind.DELETION, filed_by=FiledBy.NEXT_OF_KIN, requester_name="Wang Fang (daughter)",
                  requester_email=demo_email("wang.fang"), deceased_arranged_otherwise=False,
                  data_description="My late father's face and fingerprint data held for annual pass HWW-2019-0305.",
                  details="My father died in August. As his daughter I ask you to delete his biometric data "
                          "(PIPL art. 49).")
    s.attach(rr, 9, "10:01", Attachment.Purpose.DEATH_EVIDENCE, "death-certificate-and-hukou.pdf",
             "Death certificate of Wang Jianguo; household register page naming Wang Fang as his daughter")
    s.verify_by_code(rr, 9, "10:05")  # her own mailbox: confirmed, not yet verified
    s.do(8, "10:00", workflow.verify_next_of_kin, rr, actor=member(s.officer), death_checked=True,
         relationship_checked=True, arranged_otherwise=False,
         check_performed="Death certificate no. 330106-2026-08-1147 and the household register page showing "
                         "Wang Fang as his daughter; the pass record has no instruction of his about his data.")
    s.assign(rr, 8, "10:10")
    s.do(7, "14:00", workflow.ask_for_information, rr, actor=member(s.officer),
         question="Did your father hold a second pass (a family pass) whose data we should also delete?", reason="clarification")
    return rr


def park_verified(s: Scene) -> RightsRequest:
    rr = s.submit(2, "09:40", Kind.EXPLANATION,
                  details="Explain why my face is needed to enter with my annual pass, who else receives it and "
                          "how long you keep it.")
    s.verify(rr, 2, "11:00", "Called the phone number on pass HWW-2019-0702; the holder confirmed the request.")
    return rr


def park_refused(s: Scene) -> RightsRequest:
    rr = s.submit(14, "10:00", Kind.COPY, data_description="Gate camera recordings of 3 October 2019 showing me.")
    s.verify(rr, 14, "15:00", "Identity card and pass HWW-2019-0918 checked at the ticket office.")
    s.assign(rr, 13, "09:00")
    s.do(5, "16:00", workflow.refuse, rr, actor=member(s.officer),
         reason="Gate recordings are overwritten after 30 days; we hold no recording of 3 October 2019. Your pass "
                "record and entry log can be provided on an access request.",
         legal_ground="PIPL art. 45: only personal information the processor holds can be copied")
    return rr


def park_expired(s: Scene) -> RightsRequest:
    rr = s.submit(25, "21:30", Kind.DELETION, data_description="Face photo taken at the north gate.")
    s.do(10, "03:00", workflow.expire, rr, actor=SYSTEM)  # the daily sweep: the code was never entered
    return rr


def park_consent_withdrawn(s: Scene) -> RightsRequest:
    """PIPL art. 15: Ye Qing withdraws her consent to face entry. The vault deletes her face
    template, which rested on that consent (the ledger, requests_app/demo/consent.py), and
    keeps the photo on her pass, held for the pass contract, saying so on the case page."""
    rr = s.submit(8, "19:40", Kind.WITHDRAW_CONSENT,
                  data_description="My face enrolment for the north gate (annual pass HWW-2024-1106).",
                  details="I withdraw my consent to face entry. I will use my pass card at lane 4.")
    s.verify_by_code(rr, 8, "19:44")
    s.assign(rr, 7, "09:20")
    s.do(3, "10:00", workflow.approve, rr, actor=member(s.officer),
         note="Delete what rests on her consent; the pass photo stays with her pass.")
    s.worker(rr, 3, "10:01")  # her face template deleted, the pass photo kept with its basis
    s.do(2, "15:00", workflow.record_task_outcome, s.task(rr, PAPER_ARCHIVE), actor=member(s.users["park.archive"]),
         outcome={"connector": "manual", "outcome": "kept",
                  "note": "Her signed pass application, with the pass photo, stays with the pass contract; it holds "
                          "no face template."})
    return rr  # the gate vendor's webhook has not reported yet: sent when `make run`'s worker is up


def nanjing_overdue(s: Scene) -> RightsRequest:
    rr = s.submit(37, "15:00", Kind.DELETION,
                  data_description="Images of my face taken by the cameras at the sales office entrance when I "
                                   "visited the show flat.")
    s.verify(rr, 36, "10:00", "Phone number confirmed by call-back; it matches the visitor log.")
    s.assign(rr, 36, "10:05")
    s.do(21, "11:00", workflow.message_subject, rr, actor=member(s.officer),
         body="We have asked the camera vendor to list every copy of your images.")
    return rr  # due six days ago: escalated to the owner


def nanjing_approved(s: Scene) -> RightsRequest:
    started = s.days_ago_for_due_in(1)
    rr = s.submit(started + 1, "19:00", Kind.DELETION,
                  data_description="Face captures from the sales office entrance cameras.")
    s.verify(rr, started, "10:00", "Phone number confirmed by call-back.")
    s.assign(rr, started, "10:05")
    s.do(1, "17:00", workflow.approve, rr, actor=member(s.officer),
         note="The entrance cameras were removed as the city ordered; delete the stored captures.")
    s.worker(rr, 1, "17:01")  # the vault deletes its captures
    # The camera vendor never answered: what the webhook connector records when it gives up.
    s.do(1, "18:00", workflow.record_task_outcome, s.task(rr, CAMERA_VENDOR), actor=SYSTEM, failed=True,
         outcome={"connector": "webhook", "error": "unreachable after 8 attempts (ConnectionError)"})
    return rr  # being carried out, one system failed: the officer re-points it or records it by hand


def nanjing_submitted(s: Scene) -> RightsRequest:
    return s.submit(1, "20:15", Kind.ACCESS, data_description="What did your entrance cameras record of me?")


def greenfield_fulfilled(s: Scene) -> RightsRequest:
    rr = s.submit(45, "18:00", Kind.DELETION,
                  data_description="My face template at the main gate terminal (resident card GF-03-1202).",
                  details="The estate may not force residents to use face entry; I use my resident card.")
    s.verify(rr, 44, "09:30", "Resident card and identity card checked at the property office.")
    s.assign(rr, 44, "09:40")
    s.do(41, "10:00", workflow.approve, rr, actor=member(s.officer),
         note="Card entry offered to every resident; no reason to keep the template.")
    s.worker(rr, 41, "10:01")  # the vault deletes the template; the certificate lists it
    return rr


def greenfield_due_soon(s: Scene) -> RightsRequest:
    started = s.days_ago_for_due_in(5)
    rr = s.submit(started + 1, "21:00", Kind.WITHDRAW_CONSENT,
                  data_description="Face enrolment for the main gate.",
                  details="I withdraw my consent to face entry. Give me a card or a code instead.")
    s.verify(rr, started, "09:00", "Resident card GF-07-0601 checked at the property office.")
    s.assign(rr, started, "09:10")
    s.do(10, "15:00", workflow.message_subject, rr, actor=member(s.officer),
         body="An IC-card reader is being fitted at the main gate; we will confirm when your card works.")
    return rr


def greenfield_approved(s: Scene) -> RightsRequest:
    rr = s.submit(6, "19:30", Kind.EXPLANATION,
                  details="Explain why the gate must scan my face, who sees the images and how long you keep them.")
    s.verify(rr, 6, "20:00", "Resident card GF-09-0903 checked at the property office.")
    s.assign(rr, 5, "09:00")
    s.do(3, "10:00", workflow.approve, rr, actor=member(s.officer), note="Answer with the processing rules.")
    return rr  # approved: the officer writes the explanation when finishing (no system to run)


def greenfield_withdrawn(s: Scene) -> RightsRequest:
    rr = s.submit(15, "19:30", Kind.CORRECTION,
                  details="My face record is linked to flat 3-1501, which I left. I now live in 5-0801.")
    s.verify(rr, 14, "10:00", "Identity card checked at the property office.")
    s.assign(rr, 14, "10:10")
    s.do(8, "12:00", workflow.withdraw, rr, actor=SUBJECT)  # the office fixed it at the counter
    return rr


def greenfield_another_way_in(s: Scene) -> RightsRequest:
    """A resident asks for another way in than the face-only terminal (Measures art. 10; SPC
    provisions art. 10), filed from the terminal's entry on the public register. The card the
    office first gives opens only the car gate; the resident says so, and the office provides
    a check by the guard instead, which waits for the resident's answer."""
    point = CollectionPoint.objects.get(organisation=s.org, name="Main gate face terminal")
    rr = s.submit(9, "20:15", Kind.ALTERNATIVE, alternative_wanted="card", collection_point=point,
                  data_description="The face terminal at the main pedestrian gate.",
                  details="The terminal often fails to recognise me with my glasses on. I want to enter with my "
                          "resident card instead.")
    s.verify_by_code(rr, 9, "20:20")
    s.assign(rr, 8, "09:00")
    s.do(6, "10:30", workflow.provide_alternative, rr, actor=member(s.officer), alternative="card",
         details="Resident card GF-11-0108 enabled for entry; hold it to the reader beside the gate.")
    s.do(5, "19:40", workflow.alternative_not_working, rr, actor=SUBJECT,
         comment="The only card reader is at the car gate; the pedestrian gate has none.")
    s.do(3, "11:00", workflow.provide_alternative, rr, actor=member(s.officer), alternative="staff",
         details="Show your resident card to the guard at the pedestrian gate (staffed 06:00-24:00); a card "
                 "reader is ordered for that gate.")
    return rr  # being carried out: waiting for the resident to confirm the guard's check works


def amsterdam_fulfilled(s: Scene) -> RightsRequest:
    rr = s.submit(45, "13:00", Kind.ACCESS, data_description="Museum pass AMP-2022-0815: what face data do you hold?")
    s.verify(rr, 44, "10:00", "Pass number and date of birth matched the pass record.")
    s.assign(rr, 44, "10:15")
    s.do(40, "11:00", workflow.approve, rr, actor=member(s.officer))
    s.worker(rr, 40, "11:01")  # the vault exports her record (JSON and a readable page)
    s.do(39, "09:30", workflow.message_subject, rr, actor=member(s.officer),
         body="We hold one face template, made at the turnstiles on your separate consent, used only to check "
              "that the pass is yours, kept 400 days after your last visit. It is not shared.")
    return rr


def amsterdam_extended(s: Scene) -> RightsRequest:
    rr = s.submit(25, "14:00", Kind.COPY, data_description="All turnstile face-match logs for pass AMP-2023-1907.")
    s.verify(rr, 24, "10:00", "Pass number and date of birth matched the pass record.")
    s.assign(rr, 24, "10:10")
    s.do(3, "16:00", workflow.extend, rr, actor=member(s.officer),
         reason="The logs must be collected from the turnstile vendor at three sites (GDPR art. 12(3)).")
    return rr


def amsterdam_appealed(s: Scene) -> RightsRequest:
    rr = s.submit(40, "09:00", Kind.DELETION, s.person.identity(member_number="AMP-2024-5521"),
                  data_description="Turnstile face template for my museum pass.")
    s.verify(rr, 39, "10:00", "Reply from the email address confirmed.")
    s.assign(rr, 39, "10:05")
    s.do(33, "15:00", workflow.refuse, rr, actor=member(s.officer),
         reason="No museum pass AMP-2024-5521 exists and no record carries your email address or phone number.",
         legal_ground="GDPR art. 11(2) and 12(2): the controller cannot identify the data subject")
    s.do(30, "20:00", workflow.appeal, rr, actor=SUBJECT,
         grounds="I mistyped the number: my pass is AMP-2024-5512, bought with my old email address.")
    # A GDPR art. 82 claim in euros, declined: the desk offers a new offer or closing it.
    s.do(30, "20:05", workflow.claim_compensation, rr, actor=SUBJECT, amount_minor=25000, currency="EUR",
         covers="Non-material damage: my face kept after I asked, and the time spent on the appeal")
    claim = rr.claims.get()
    s.do(28, "10:00", workflow.assess_claim, claim, actor=member(s.owner), basis="set_amount", amount_minor=7500,
         note="GDPR art. 82: a modest amount for the delay; no material loss shown.")
    s.do(28, "10:05", workflow.offer_compensation, claim, actor=member(s.owner), amount_minor=7500)
    s.do(26, "19:00", workflow.decline_offer, claim, actor=SUBJECT)
    return rr  # back in review with the owner; due nine days ago


def amsterdam_awaiting(s: Scene) -> RightsRequest:
    rr = s.submit(12, "11:00", Kind.DELETION, s.person.identity(member_number=""),
                  data_description="Face data for the museum pass bought with this email address.")
    s.verify(rr, 11, "10:00", "Reply from the email address and phone call-back.")
    s.assign(rr, 11, "10:05")
    s.do(6, "14:00", workflow.ask_for_information, rr, actor=member(s.officer),
         question="Two passes were bought with this email address (AMP-2023-0207 and AMP-2025-1130). Whose face "
                  "data should we delete? If the second pass is your child's, please confirm you are the parent.", reason="clarification")
    return rr


def amsterdam_verified(s: Scene) -> RightsRequest:
    received = s.days_ago_for_due_in(4)
    rr = s.submit(received, "10:00", Kind.RESTRICTION,
                  details="Stop matching my face at the turnstiles; I will show my pass instead.")
    s.verify(rr, received - 1, "09:00", "Pass number and date of birth matched the pass record.")
    return rr  # nobody has picked it up and it falls due in a few days


def goldengate_agent(s: Scene) -> RightsRequest:
    """CCPA regs §7063: the agent files; the consumer confirms with the code sent to his own email."""
    received = s.days_ago_for_due_in(5)
    rr = s.submit(received, "08:30", Kind.DELETION, filed_by=FiledBy.AGENT,
                  requester_name="Bayview Privacy Agents LLC", requester_email=demo_email("bayview.agents"),
                  data_description="Face check-in and locker fingerprint data for membership GGF-20417.")
    s.attach(rr, received, "08:31", Attachment.Purpose.AUTHORISATION, "signed-permission.pdf",
             "Jordan Lee authorises Bayview Privacy Agents LLC to request deletion")
    s.verify_by_code(rr, received, "08:40")  # the consumer, from his own mailbox
    s.assign(rr, received - 2, "11:10")
    return rr


def goldengate_agent_waiting(s: Scene) -> RightsRequest:
    """An agent's request the consumer has not confirmed yet: the code went to her own email."""
    rr = s.submit(1, "16:00", Kind.ACCESS, filed_by=FiledBy.AGENT, requester_name="Bayview Privacy Agents LLC",
                  requester_email=demo_email("bayview.agents"),
                  data_description="Check-in history and face template for membership GGF-23001.")
    s.attach(rr, 1, "16:01", Attachment.Purpose.AUTHORISATION, "signed-permission.pdf",
             "Riley Ng authorises Bayview Privacy Agents LLC to request access")
    return rr


def goldengate_overdue(s: Scene) -> RightsRequest:
    rr = s.submit(52, "17:00", Kind.ACCESS, data_description="Face check-in data for membership GGF-18820.")
    s.verify(rr, 50, "10:00", "Two data points matched: membership number and phone (CCPA regs 7062).")
    s.assign(rr, 50, "10:10")
    # A settlement in dollars, paid in full: the CCPA gives damages only after a breach.
    s.do(49, "09:00", workflow.claim_compensation, rr, actor=SUBJECT, amount_minor=12000, currency="USD",
         covers="Two months' membership fees while face check-in was the only way in")
    claim = rr.claims.get()
    s.do(45, "11:00", workflow.assess_claim, claim, actor=member(s.owner), basis="set_amount", amount_minor=12000,
         note="Goodwill settlement: the fees for the months card check-in was unavailable.")
    s.do(45, "11:05", workflow.offer_compensation, claim, actor=member(s.owner), amount_minor=12000)
    s.do(44, "18:30", workflow.accept_offer, claim, actor=SUBJECT)
    s.do(42, "10:00", workflow.record_payment, claim, actor=member(s.owner), amount_minor=12000,
         reference="ACH-GGF-18820-01")
    return rr  # 45 days from receipt, however long verification took: overdue


def goldengate_verified(s: Scene) -> RightsRequest:
    rr = s.submit(3, "12:00", Kind.PORTABILITY, data_description="My check-in history and face template.")
    s.verify(rr, 2, "09:00", "Three data points matched and a signed declaration received (CCPA regs 7062).")
    return rr


def goldengate_submitted(s: Scene) -> RightsRequest:
    return s.submit(1, "18:45", Kind.DELETION, data_description="Face check-in template.")


SCENARIOS = [
    Scenario(HANGZHOU_CASE_KEY, PARK, hangzhou_case),
    Scenario("chen.lei", PARK, park_fulfilling),
    Scenario("wang.jianguo", PARK, park_next_of_kin),
    Scenario("li.na", PARK, park_verified),
    Scenario("zhao.min", PARK, park_refused),
    Scenario("sun.hao", PARK, park_expired),
    Scenario("ye.qing", PARK, park_consent_withdrawn),
    Scenario("zhou.xin", NANJING, nanjing_overdue),
    Scenario("huang.lei", NANJING, nanjing_approved),
    Scenario("xu.ying", NANJING, nanjing_submitted),
    Scenario("ma.jun", GREENFIELD, greenfield_fulfilled),
    Scenario("lin.yan", GREENFIELD, greenfield_due_soon),
    Scenario("he.qiang", GREENFIELD, greenfield_withdrawn),
    Scenario("qian.hui", GREENFIELD, greenfield_approved),
    Scenario("tang.li", GREENFIELD, greenfield_another_way_in),
    Scenario("eva.dekker", AMSTERDAM, amsterdam_fulfilled),
    Scenario("daan.visser", AMSTERDAM, amsterdam_extended),
    Scenario("sanne.bakker", AMSTERDAM, amsterdam_appealed),
    Scenario("lotte.jansen", AMSTERDAM, amsterdam_awaiting),
    Scenario("noah.smit", AMSTERDAM, amsterdam_verified),
    Scenario("jordan.lee", GOLDEN_GATE, goldengate_agent),
    Scenario("riley.ng", GOLDEN_GATE, goldengate_agent_waiting),
    Scenario("maria.garcia", GOLDEN_GATE, goldengate_overdue),
    Scenario("sam.chen", GOLDEN_GATE, goldengate_verified),
    Scenario("alex.kim", GOLDEN_GATE, goldengate_submitted),
]
