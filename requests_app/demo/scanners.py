"""The demo's register of scanners (issue 13): each organisation's collection points, their
devices and the impact assessments, written through the register's own steps
(orgs/register.py, orgs/assessments.py), so the rules hold for the demo as for anyone.

Three stories the 2025 Measures tell:
- the Hangzhou park: its north-gate face scanners live on a current assessment, with the
  annual-pass card as the other way in, keeping templates on the gates themselves (art.
  8), each gate confirming its deletions through the device connector (demo/gates.py);
  the fingerprint reader it switched away from in October 2019 retired;
- the Nanjing sales office: entrance cameras registered but never assessed, with no sign
  photographed and no other way in, so they never went live; the city's cyberspace
  administration then ordered them out (demo/oversight.py), which erased the records
  collected there, retired the cameras and issued its certificate;
- the Hangzhou housing estate: a face terminal live on an assessment, but face only (SPC
  provisions art. 10: residents must be offered another way in), flagged for that.
"""

import io
import textwrap
from pathlib import Path

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFont

from orgs import assessments, register
from orgs.models import CollectionPoint, Device, ImpactAssessment, Organisation, ProcessingActivity
from orgs.models.register import Alternative, DeviceKind, DeviceStatus, PlaceKind, TemplateStorage
from requests_app.demo.data import GREENFIELD, GREENFIELD_FACE, NANJING, NANJING_FACE, PARK, PARK_FACE, PARK_FINGERPRINT

LIVE, RETIRED, PLANNED = DeviceStatus.LIVE, DeviceStatus.RETIRED, DeviceStatus.PLANNED

POINTS = {
    PARK: [
        dict(activity=PARK_FACE, name="North gate face scanner", name_zh="北门人脸识别闸机",
             site="Hangzhou Wildlife World, north gate", site_zh="杭州野生动物世界北门",
             area="The four entry lanes of the north gate, inside the ticket barrier.",
             place_kind=PlaceKind.ENTRANCE_GATE,
             necessity="Annual-pass holders enter without queueing at the ticket office; the pass card "
                       "remains a way in for anyone who does not want their face scanned.",
             notice="Hangzhou Wildlife World scans the faces of annual-pass holders who enrolled, to let them "
                    "in. The face template is kept for the pass year plus 30 days. You may enter with your "
                    "pass card instead, and ask for your face data to be deleted at any time.",
             notice_zh="杭州野生动物世界对已登记的年卡持有人进行人脸识别以便入园。人脸模板保存至年卡有效期届满后30日。"
                       "您也可以持年卡入园，并可随时要求删除您的人脸信息。",
             alternatives=[Alternative.CARD, Alternative.STAFF],
             alternatives_note="Show the pass card at lane 4, or ask the staff at the gate.",
             devices=[("HWW-NG-01", DeviceKind.GATE, "Lane 1", TemplateStorage.ON_DEVICE, LIVE),
                      ("HWW-NG-02", DeviceKind.GATE, "Lane 2", TemplateStorage.ON_DEVICE, LIVE)]),
        dict(activity=PARK_FINGERPRINT, name="North gate fingerprint reader", name_zh="北门指纹识别闸机",
             site="Hangzhou Wildlife World, north gate", site_zh="杭州野生动物世界北门",
             area="Lane 3 of the north gate.", place_kind=PlaceKind.ENTRANCE_GATE,
             necessity="Annual-pass entry by fingerprint until October 2019.",
             notice="Fingerprint entry for annual-pass holders (withdrawn in October 2019).",
             notice_zh="年卡持有人指纹入园（已于2019年10月停用）。",
             alternatives=[Alternative.CARD], alternatives_note="",
             devices=[("HWW-FP-01", DeviceKind.GATE, "Lane 3", TemplateStorage.ON_DEVICE, RETIRED)]),
    ],
    NANJING: [
        dict(activity=NANJING_FACE, name="Sales office entrance cameras", name_zh="售楼处入口摄像头",
             site="Nanjing Riverside sales office, ground floor", site_zh="南京滨江售楼处一楼",
             area="The entrance door and the reception desk.", place_kind=PlaceKind.SALES_OFFICE,
             necessity="To tell walk-in buyers from agency-referred ones for commissions.",
             notice="Cameras at the entrance record visitors' faces.", notice_zh="入口摄像头会采集来访者人脸。",
             alternatives=[], alternatives_note="",
             devices=[("NJ-CAM-01", DeviceKind.CAMERA, "Above the entrance door", TemplateStorage.CENTRAL, PLANNED),
                      ("NJ-CAM-02", DeviceKind.CAMERA, "Reception desk", TemplateStorage.CENTRAL, PLANNED)]),
    ],
    GREENFIELD: [
        dict(activity=GREENFIELD_FACE, name="Main gate face terminal", name_zh="小区正门人脸识别终端",
             site="Greenfield housing estate, main gate", site_zh="绿野小区正门",
             area="The pedestrian gate at the main entrance.", place_kind=PlaceKind.ENTRANCE_GATE,
             necessity="Residents enter without keys; the estate office says visitors are checked by face too.",
             notice="The estate opens its main gate to registered residents by face recognition.",
             notice_zh="本小区正门通过人脸识别为已登记住户开门。",
             alternatives=[], alternatives_note="",
             devices=[("GF-MG-01", DeviceKind.TERMINAL, "Pedestrian gate", TemplateStorage.ON_DEVICE, LIVE)]),
    ],
}

# What each assessed activity's assessment answers (every question the law asks of it).
ANSWERS = {
    PARK_FACE: "Face entry is offered, never required: the pass card stays a way in. Templates are encrypted, "
               "kept on the gates for the pass year plus 30 days, never sent over the network, and deleted on "
               "request on the gates themselves, each gate confirming with a signed receipt.",
    PARK_FINGERPRINT: "Withdrawn in October 2019; the records are kept for storage only until deleted.",
    GREENFIELD_FACE: "The estate office assessed the gate for convenience and security; templates stay on the "
                     "terminal. No alternative was assessed.",
}


def build(demo, org: Organisation) -> None:
    """The organisation's points, devices and assessments, once (an existing point is kept)."""
    activities = {a.name: a for a in ProcessingActivity.objects.filter(organisation=org)}
    owner = next((user for name, user in demo.users.items() if name.endswith(".owner")
                  and user.memberships.filter(organisation=org).exists()), None)
    for spec in POINTS.get(org.slug, []):
        spec = dict(spec)
        devices = spec.pop("devices")
        activity = activities[spec.pop("activity")]
        if CollectionPoint.objects.filter(organisation=org, name=spec["name"]).exists():
            continue
        if activity.name in ANSWERS:
            _assess(activity, ANSWERS[activity.name], owner)
        point = CollectionPoint(organisation=org, activity=activity, published=True, **spec)
        if org.slug == PARK:  # the park photographed its signs; the sales office and the estate did not
            point.signage_photo = ContentFile(_sign_photo(point), name="sign.png")
        register.save_point(point)
        demo.result.created["collection points"] += 1
        for serial, kind, location, storage, status in devices:
            device = Device(organisation=org, collection_point=point, serial=serial, kind=kind, location=location,
                            modality=activity.modality, template_storage=storage,
                            encryption=storage == TemplateStorage.CENTRAL, access_control=True)
            register.save_device(device)
            if status in (LIVE, RETIRED):
                register.set_live(device)
            if status == RETIRED:
                register.retire(device)
            demo.result.created["devices"] += 1


def _assess(activity: ProcessingActivity, answer: str, owner) -> None:
    if assessments.current_assessment(activity) is not None:
        return
    questions = assessments.questions_for(activity)
    draft = assessments.save_draft(ImpactAssessment(
        organisation=activity.organisation, activity=activity, answers={q.code: answer for q in questions},
        conclusion=answer), user=owner)
    assessments.approve(draft, user=owner)


CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def _sign_photo(point: CollectionPoint) -> bytes:
    """A picture of the sign at the point: its name and notice, in Chinese and English
    (drawn with the CJK font the suite installs; without it, Pillow's own, English only)."""
    image = Image.new("RGB", (900, 520), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 889, 509), outline="#0b5394", width=8)
    if CJK_FONT.exists():
        title, body = ImageFont.truetype(str(CJK_FONT), 40), ImageFont.truetype(str(CJK_FONT), 24)
        lines = [(point.name_zh, title), (point.name, body), ("", body)] + _wrap(point.notice_zh, 34, body)
    else:
        title = body = ImageFont.load_default()
        lines = [(point.name, title), ("", body)]
    lines += [(line, body) for line in textwrap.wrap(point.notice, 68)]
    y = 40
    for text, font in lines:
        draw.text((40, y), text, fill="#0b5394" if font is title else "black", font=font)
        y += 52 if font is title else 32
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _wrap(text: str, width: int, font) -> list:
    """Chinese, which has no spaces to break at: `width` characters a line."""
    return [(text[start:start + width], font) for start in range(0, len(text), width)]
