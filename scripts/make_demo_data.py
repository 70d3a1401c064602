#!/usr/bin/env python3
"""Regenerate the demo customers and their history (deterministic: same output every run).

    .venv/bin/python scripts/make_demo_data.py [--out src/agentdesk/resources/demo]

Writes
- customers.csv: the 7 hand-written customers (ids and numbers kept as they were) plus
  generated ones, English and Chinese, in the `import customers` header contract with
  the screen-pop extra columns (native_name, city, tier, lifecycle, dnc, consent,
  complaints; consent and complaints are JSON text);
- history.jsonl: one synced record per line, {"kind", "owner", "payload"}, payloads as
  in core.records.payload_of (call_record, wrapup, note, callback), times relative to
  ANCHOR (see README.md in the same folder: the loader shifts them to "now").

The three demo calls: C-1001's number with X-Customer-Id (known), AMBIGUOUS_NUMBER
(exactly two customers, a father and daughter), UNKNOWN_NUMBER (matches nobody).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import phonenumbers

ANCHOR = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
AMBIGUOUS_NUMBER = "+8613700137000"
UNKNOWN_NUMBER = "+8613600136000"
GENERATED = 203  # plus the 7 hand-written ones: 210 customers
AGENTS = ("demo-agent", "demo-agent-2", "demo-agent-3")
SEED = 20261120
_ID_NAMESPACE = uuid.UUID("0b6f5c4e-8a3d-4f43-a1c2-7d9e2b3c4d5e")

HEADER = ["customer_id", "first_name", "last_name", "phone", "email", "account", "segment",
          "language", "timezone", "native_name", "city", "tier", "lifecycle", "dnc",
          "consent", "complaints"]

# The hand-written customers the tests and the first demo call rely on: kept verbatim.
HAND_WRITTEN = [
    ["C-1001", "Lei", "Li", "+8613800138000", "li.lei@example.cn", "A-88001", "gold", "zh_CN",
     "Asia/Shanghai", "李雷", "Beijing"],
    ["C-1002", "Jane", "Doe", "+12025550143", "jane.doe@example.com", "A-10442", "standard",
     "en", "America/New_York", "", "Washington"],
    ["C-1003", "Meimei", "Han", "+8613912345678", "han.meimei@example.cn", "A-88002",
     "standard", "zh_CN", "Asia/Shanghai", "韩梅梅", "Shanghai"],
    ["C-1004", "芳", "王", "+8618612345678", "", "A-88003", "gold", "zh_CN", "Asia/Shanghai",
     "王芳", "杭州"],
    ["C-1005", "伟", "张", "021 6888 1234", "", "A-88004", "standard", "zh_CN",
     "Asia/Shanghai", "张伟", "上海"],
    ["C-1006", "Oliver", "Smith", "+442079460958", "oliver.smith@example.co.uk", "A-20417",
     "standard", "en", "Europe/London", "", "London"],
    ["C-1007", "Maria", "Garcia", "+14155550123", "maria.garcia@example.com", "A-10443",
     "platinum", "en", "America/Los_Angeles", "", "San Francisco"],
]
HAND_WRITTEN_LIFECYCLE = {"C-1001": "active", "C-1002": "active", "C-1003": "at_risk",
                          "C-1004": "active", "C-1005": "active", "C-1006": "at_risk",
                          "C-1007": "active", "C-1101": "active", "C-1102": "active"}
# The ambiguous demo call: one home number, two customers.
SHARED_PAIR = [
    ["C-1101", "Jianguo", "Wang", AMBIGUOUS_NUMBER, "wang.jianguo@example.cn", "A-88101",
     "gold", "zh_CN", "Asia/Shanghai", "王建国", "南京"],
    ["C-1102", "Xiaoli", "Wang", AMBIGUOUS_NUMBER, "wang.xiaoli@example.cn", "A-88102",
     "standard", "zh_CN", "Asia/Shanghai", "王晓丽", "南京"],
]

CN_SURNAMES = [("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"),
               ("杨", "Yang"), ("黄", "Huang"), ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"),
               ("徐", "Xu"), ("孙", "Sun"), ("马", "Ma"), ("朱", "Zhu"), ("胡", "Hu"),
               ("郭", "Guo"), ("何", "He"), ("林", "Lin"), ("罗", "Luo"), ("高", "Gao"),
               ("欧阳", "Ouyang"), ("司马", "Sima")]
CN_GIVEN = [("伟", "Wei"), ("静", "Jing"), ("敏", "Min"), ("磊", "Lei"), ("洋", "Yang"),
            ("勇", "Yong"), ("艳", "Yan"), ("杰", "Jie"), ("娟", "Juan"), ("涛", "Tao"),
            ("明", "Ming"), ("超", "Chao"), ("秀英", "Xiuying"), ("丽娟", "Lijuan"),
            ("建华", "Jianhua"), ("志强", "Zhiqiang"), ("晓东", "Xiaodong"),
            ("海燕", "Haiyan"), ("佳怡", "Jiayi"), ("子轩", "Zixuan"), ("雨桐", "Yutong"),
            ("浩然", "Haoran")]
CN_CITIES = ["北京", "上海", "广州", "深圳", "杭州", "南京", "成都", "武汉", "西安", "苏州",
             "天津", "重庆"]
EN_FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
            "David", "Elizabeth", "William", "Susan", "Richard", "Jessica", "Thomas", "Sarah",
            "Emma", "Noah", "Olivia", "Liam", "Amelia", "Harry", "Sophie", "George"]
EN_LAST = ["Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
           "Taylor", "Moore", "Jackson", "Martin", "Thompson", "White", "Harris", "Clark",
           "Lewis", "Walker", "Young", "King", "Wright", "Scott", "Green", "Baker"]
US_AREAS = [("202", "Washington", "America/New_York"), ("212", "New York", "America/New_York"),
            ("312", "Chicago", "America/Chicago"), ("415", "San Francisco",
                                                    "America/Los_Angeles"),
            ("617", "Boston", "America/New_York"), ("206", "Seattle", "America/Los_Angeles")]
CN_MOBILE_PREFIXES = ["135", "136", "137", "138", "139", "150", "151", "158", "159", "186",
                      "187", "188", "189"]
SEGMENTS = ["standard"] * 6 + ["gold"] * 3 + ["platinum"]
LIFECYCLES = ["active"] * 6 + ["prospect"] * 2 + ["at_risk", "churned"]

WRAPUPS = [  # (codes, note in English, note in Chinese, talk seconds range)
    (["billing_inquiry", "resolved"], "Explained the monthly bill.", "解释了本月账单。",
     (120, 420)),
    (["product_info"], "Asked about the new plan; sent the brochure.", "咨询新套餐，已发资料。",
     (90, 300)),
    (["repair", "callback_required"], "Router faulty; technician to call back.",
     "路由器故障，安排技术员回电。", (240, 600)),
    (["return_request"], "Return approved; label e-mailed.", "同意退货，已发退货单。",
     (180, 480)),
    (["complaint"], "Unhappy with the late delivery; escalated.", "对延迟发货不满，已升级处理。",
     (300, 900)),
    (["sale"], "Upgraded to the premium plan.", "升级到高级套餐。", (300, 720)),
    (["address_change", "resolved"], "Updated the delivery address.", "更新了收货地址。",
     (60, 180)),
    (["no_answer"], "", "", (0, 0)),
]
COMPLAINTS = [("late delivery", "发货延迟"), ("wrong invoice amount", "发票金额错误"),
              ("rude technician", "技术员态度差"), ("refund not received", "退款未到账")]


def _id(*parts: object) -> str:
    return str(uuid.uuid5(_ID_NAMESPACE, "/".join(str(p) for p in parts)))


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _valid(number: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(number, None))


def generated_customers(rng: random.Random) -> list[list[str]]:
    rows: list[list[str]] = []
    used = {AMBIGUOUS_NUMBER, UNKNOWN_NUMBER, "+8613800138000", "+12025550143",
            "+8613912345678", "+8618612345678", "+862168881234", "+442079460958",
            "+14155550123"}
    number = 1008
    while len(rows) < GENERATED:
        cid = f"C-{number}"
        number += 1
        if cid in ("C-1101", "C-1102"):
            continue
        chinese = rng.random() < 0.6
        if chinese:
            (sur, sur_py), (given, given_py) = rng.choice(CN_SURNAMES), rng.choice(CN_GIVEN)
            phone = "+86" + rng.choice(CN_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            city = rng.choice(CN_CITIES)
            # some were imported with the Chinese characters in the name columns
            first, last = (given, sur) if rng.random() < 0.3 else (given_py, sur_py)
            native, language, tz = sur + given, "zh_CN", "Asia/Shanghai"
            email = f"{given_py.lower()}.{sur_py.lower()}{rng.randrange(100)}@example.cn"
        else:
            first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
            if rng.random() < 0.7:
                area, city, tz = rng.choice(US_AREAS)
                phone = f"+1{area}5550{rng.randrange(100, 200)}"
            else:
                city, tz = "London", "Europe/London"
                phone = f"+4420794600{rng.randrange(10, 100)}"
            native, language = "", "en"
            email = f"{first.lower()}.{last.lower()}@example.com"
        if phone in used or not _valid(phone):
            continue
        used.add(phone)
        rows.append([cid, first, last, phone, email if rng.random() < 0.8 else "",
                     f"A-{rng.randrange(10**5, 10**6)}", rng.choice(SEGMENTS), language, tz,
                     native, city])
    return rows


def screen_pop_columns(rng: random.Random, row: list[str]) -> list[str]:
    chinese = row[7] == "zh_CN"
    tier = {"standard": "3", "gold": "2", "platinum": "1"}[row[6]]
    lifecycle = HAND_WRITTEN_LIFECYCLE.get(row[0]) or rng.choice(LIFECYCLES)
    dnc = rng.random() < 0.06
    consent = {"phone": not dnc, "sms": rng.random() < 0.7, "email": rng.random() < 0.5}
    complaints = []
    if rng.random() < 0.12 or row[0] in ("C-1001", "C-1102"):
        summary = rng.choice(COMPLAINTS)[1 if chinese else 0]
        opened = ANCHOR - timedelta(days=rng.randrange(2, 40), hours=rng.randrange(24))
        complaints.append({"id": f"K-{row[0][2:]}", "opened_at": _iso(opened),
                           "summary": summary, "status": "open"})
    return [tier, lifecycle, "true" if dnc else "false",
            json.dumps(consent, sort_keys=True), json.dumps(complaints, ensure_ascii=False)
            if complaints else ""]


def history_for(rng: random.Random, row: list[str]) -> list[dict[str, Any]]:
    """A customer's calls (with wrap-ups), notes and callbacks over the last months."""
    cid, chinese = row[0], row[7] == "zh_CN"
    phone = row[3] if row[3].startswith("+") else "+862168881234"
    calls = {"C-1001": 6, "C-1101": 3, "C-1102": 4}.get(cid, rng.choice([0, 1, 1, 2, 3, 4]))
    records: list[dict[str, Any]] = []
    moment = ANCHOR - timedelta(days=rng.randrange(90, 180))
    for n in range(calls):
        moment += timedelta(days=rng.randrange(3, 30), hours=rng.randrange(8),
                            minutes=rng.randrange(60))
        if moment > ANCHOR - timedelta(days=1):
            break
        if cid == "C-1102" and n == calls - 1:
            moment = ANCHOR - timedelta(days=2, hours=3)  # the daughter called most recently
        agent = rng.choice(AGENTS)
        codes, note_en, note_cn, (low, high) = rng.choice(WRAPUPS)
        inbound = rng.random() < 0.75
        call_id = _id(cid, "call", n)
        ring = timedelta(seconds=rng.randrange(3, 20))
        talk = timedelta(seconds=rng.randrange(low, high + 1)) if high else timedelta(0)
        answered = bool(high)
        records.append({"kind": "call_record", "owner": agent, "payload": {
            "id": call_id, "call_id": f"demo-{cid}-{n}@agentdesk",
            "direction": "inbound" if inbound else "outbound", "remote_number": phone,
            "started_at": _iso(moment),
            "connected_at": _iso(moment + ring) if answered else None,
            "ended_at": _iso(moment + ring + talk), "sip_end_code": 200 if answered else 480,
            "customer_id": cid, "script_id": None, "script_version": None, "script_path": [],
            "queue": "service-cn" if chinese else "service-en", "dialed_number":
                None if inbound else phone, "campaign_id": None, "hold_seconds": 0.0,
            "script_objections": [], "script_captured": {}}})
        saved = moment + ring + talk + timedelta(seconds=rng.randrange(20, 90))
        records.append({"kind": "wrapup", "owner": agent, "payload": {
            "id": _id(cid, "wrapup", n), "call_record_id": call_id, "codes": codes,
            "saved_at": _iso(saved), "note": note_cn if chinese else note_en,
            "amount": "199.00" if "sale" in codes else None, "callback_at": None,
            "auto_wrapped": False, "supersedes_id": None}})
        if rng.random() < 0.3:
            text = rng.choice(["客户希望上午联系。", "老客户，说话请慢一点。"] if chinese else
                              ["Prefers calls in the morning.", "Long-time customer."])
            records.append({"kind": "note", "owner": agent, "payload": {
                "id": _id(cid, "note", n), "customer_id": cid, "text": text,
                "created_at": _iso(saved), "call_record_id": call_id}})
        if "callback_required" in codes:  # kept: the next call (if any) follows it
            records.append(_callback(cid, agent, saved, saved + timedelta(days=2), call_id,
                                     row[8], "me", "回电确认维修时间" if chinese else
                                     "Confirm the repair appointment", n))
    open_callbacks = {"C-1001": ("demo-agent", timedelta(hours=3)),
                      "C-1101": ("demo-agent", timedelta(hours=1)),
                      "C-1003": ("demo-agent", -timedelta(days=2))}  # overdue
    if cid in open_callbacks or (calls and rng.random() < 0.08):
        agent, due_in = open_callbacks.get(cid, (rng.choice(AGENTS),
                                                 timedelta(days=rng.randrange(-5, 6))))
        created = ANCHOR - timedelta(hours=20)
        owner = "me" if cid in open_callbacks or rng.random() < 0.7 else "team"
        records.append(_callback(cid, agent, created, ANCHOR + due_in, None, row[8], owner,
                                 "回电告知退款进度" if chinese else
                                 "Call back about the refund status", "open"))
    return records


def _callback(cid: str, agent: str, created: datetime, due: datetime, call_id: str | None,
              timezone: str, owner: str, note: str, n: object) -> dict[str, Any]:
    return {"kind": "callback", "owner": agent, "payload": {
        "id": _id(cid, "callback", n), "customer_id": cid, "due_at": _iso(due),
        "customer_timezone": timezone, "owner": owner, "note": note,
        "created_at": _iso(created), "call_record_id": call_id}}


def build() -> tuple[str, str]:
    rng = random.Random(SEED)
    base = HAND_WRITTEN + generated_customers(rng)
    base = base[:7] + base[7:107] + SHARED_PAIR + base[107:]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    history: list[dict[str, Any]] = []
    for row in base:
        writer.writerow(row + screen_pop_columns(rng, row))
        history.extend(history_for(rng, row))
    history.sort(key=lambda r: (r["payload"].get("started_at") or r["payload"].get("saved_at")
                                or r["payload"]["created_at"], r["payload"]["id"]))
    lines = [json.dumps(r, ensure_ascii=False, sort_keys=True) for r in history]
    return out.getvalue(), "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent
                        / "src" / "agentdesk" / "resources" / "demo")
    args = parser.parse_args()
    customers, history = build()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "customers.csv").write_text(customers, encoding="utf-8")
    (args.out / "history.jsonl").write_text(history, encoding="utf-8")
    print(f"{customers.count(chr(10)) - 1} customers, {history.count(chr(10))} history "
          f"records -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
