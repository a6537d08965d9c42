"""The Simplified Chinese translation: complete, faithful to its placeholders, in use.

The catalogue is locale/zh_Hans/LC_MESSAGES/django.po. It is read here with a
small reader (polib is not a dependency). The compiled .mo is git-ignored;
`make test` compiles it first, and the fixture below compiles it again if it is
missing or older than the .po, so a bare `pytest` works too.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import gettext, ngettext, trans_real

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

# A named placeholder such as %(customer)s or %(count)d.
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")

# Domain terms of the interface (DOMAIN.md) that must read as the handbook says.
TERMS = {
    "Outlet CRM": "网点客户管家",
    "Strategic customer": "战略客户",
    "Key customer": "重点客户",
    "Regular customer": "普通客户",
    "Casual customer": "散客",
    "Ordinary parcels": "普通件",
    "Cold chain / fresh food": "生鲜冷链",
    "Valuables": "贵重物品",
    "Fragile goods": "易碎品",
    "Time-sensitive": "时效敏感",
    "New customer": "新客户",
    "Stable customer": "稳定客户",
    "Loyal customer": "忠诚客户",
    "Outlet": "网点",
    "Outlet manager": "网点经理",
    "Account manager": "客户经理",
    "Courier": "快递员",
    "Pickup contact": "揽件联系",
    "Pickup entry": "揽收录入",
    "Milestone push": "节点推送",
    "Problem response": "问题响应",
    "Problem solution": "初步方案",
    "Problem remedy": "补救落实",
    "Cold-chain alarm": "温湿度预警",
    "Picked up": "提货完成",
    "Arrived at sorting center": "到达分拨中心",
    "Out for delivery": "进入末端配送",
    "Signed": "签收成功",
    "Same-day delivery": "当日达",
    "Next-morning delivery": "次晨达",
    "Make-up working day": "调休上班日",
}


# --- Reading the .po ----------------------------------------------------------


def _unquote(text: str) -> str:
    # A .po string literal uses C escapes; the ones gettext writes (\" \\ \n \t)
    # mean the same in JSON.
    return json.loads(text)


def read_po(path: Path = PO) -> list[dict]:
    """The entries of a .po file, header included, obsolete (#~) ones left out.

    Each entry: msgctxt, msgid, msgid_plural (when plural), msgstr as
    {index or None: text}, flags (a set) and line (where it starts).
    """
    entries, entry, field = [], None, None

    def finish():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            finish()
            entry, field = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "msgstr": {}, "line": number}
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        if line.startswith("#"):
            continue
        match = re.match(
            r"^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")$", line
        )
        if match:
            keyword, index, literal = match.groups()
            if keyword == "msgstr":
                field = ("msgstr", int(index) if index is not None else None)
                entry["msgstr"][field[1]] = _unquote(literal)
            else:
                field = (keyword,)
                entry[keyword] = _unquote(literal)
            continue
        assert line.startswith('"') and field, (
            f"{path.name}:{number}: cannot read {raw!r}"
        )
        if field[0] == "msgstr":
            entry["msgstr"][field[1]] += _unquote(line)
        else:
            entry[field[0]] += _unquote(line)
    finish()
    return entries


def messages() -> list[dict]:
    return [entry for entry in read_po() if entry["msgid"]]


def header() -> dict[str, str]:
    first = read_po()[0]
    assert first["msgid"] == "", "the .po has no header entry"
    return dict(
        line.split(": ", 1)
        for line in first["msgstr"][None].splitlines()
        if ": " in line
    )


def describe(entry: dict) -> str:
    return f"line {entry['line']}: {entry['msgid']!r}"


# --- The compiled catalogue ---------------------------------------------------


def _msgfmt() -> str:
    found = shutil.which("msgfmt")
    if not found:
        pytest.fail("msgfmt is missing: apt-get install gettext")
    return found


@pytest.fixture(scope="module")
def compiled():
    """A .mo as fresh as the .po; Django's translation caches dropped if rebuilt."""
    if not MO.exists() or MO.stat().st_mtime < PO.stat().st_mtime:
        handle, temporary = tempfile.mkstemp(dir=MO.parent, suffix=".mo.tmp")
        os.close(handle)
        try:
            subprocess.run(
                [_msgfmt(), "--check-format", "-o", temporary, str(PO)],
                check=True,
                capture_output=True,
            )
            os.replace(temporary, MO)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        trans_real._translations = {}
        trans_real._default = None
    yield MO


# --- The catalogue itself -----------------------------------------------------


def test_header_declares_simplified_chinese_with_one_plural_form():
    fields = header()
    assert fields.get("Language") == "zh_Hans"
    assert "charset=UTF-8" in fields.get("Content-Type", "")
    assert fields.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"
    assert "fuzzy" not in read_po()[0]["flags"], "the header is still marked fuzzy"


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = messages()
    assert len(entries) > 100, "the catalogue looks truncated"
    untranslated = [
        describe(e) for e in entries if not e["msgstr"] or not all(e["msgstr"].values())
    ]
    fuzzy = [describe(e) for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, "untranslated: \n" + "\n".join(untranslated)
    assert not fuzzy, "fuzzy (check, then drop the flag): \n" + "\n".join(fuzzy)
    plural_forms = [
        describe(e) for e in entries if "msgid_plural" in e and set(e["msgstr"]) != {0}
    ]
    assert not plural_forms, "Chinese has one plural form, msgstr[0]: \n" + "\n".join(
        plural_forms
    )

    # gettext's own view, which also checks every format string.
    result = subprocess.run(
        [_msgfmt(), "--check", "--statistics", "-o", os.devnull, str(PO)],
        capture_output=True,
        text=True,
    )
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, output
    assert "untranslated" not in output, output
    assert "fuzzy" not in output, output
    assert f"{len(entries)} translated message" in output, output


def test_placeholders_survive_translation():
    broken = []
    for entry in messages():
        sources = [entry["msgid"], entry.get("msgid_plural", entry["msgid"])]
        wanted = set(PLACEHOLDER.findall(sources[0])) | set(
            PLACEHOLDER.findall(sources[1])
        )
        for index, text in entry["msgstr"].items():
            got = set(PLACEHOLDER.findall(text))
            if got != wanted:
                broken.append(
                    f"{describe(entry)} [{index}]: {sorted(got)} != {sorted(wanted)}"
                )
            if "python-format" in entry["flags"] and text.count("%%") != sources[
                0
            ].count("%%"):
                broken.append(
                    f"{describe(entry)} [{index}]: the literal %% is lost or added"
                )
    assert not broken, "placeholders differ: \n" + "\n".join(broken)


# --- The translation at work --------------------------------------------------


def test_interface_speaks_chinese_by_default(compiled):
    import config.settings

    assert config.settings.LANGUAGE_CODE == "zh-hans"
    with translation.override("zh-hans"):
        got = {msgid: gettext(msgid) for msgid in TERMS}
        customers = ngettext("%(counter)s customer", "%(counter)s customers", 3)
    assert got == TERMS
    assert customers == "%(counter)s 位客户"
    with translation.override("en"):
        assert gettext("Strategic customer") == "Strategic customer"


def test_customer_messages_are_polite_and_keep_their_values(compiled):
    from clocks.texts import render

    texts = render(
        "pickup_entered",
        {
            "customer": "鲜果坊",
            "waybill": "SF0000000001",
            "pieces": 2,
            "weight": "1.5",
            "link": "https://crm.example/p/abc/",
        },
    )
    assert texts["zh-hans"].startswith("鲜果坊您好"), texts["zh-hans"]
    for value in ("SF0000000001", "2 件", "1.5 千克", "https://crm.example/p/abc/"):
        assert value in texts["zh-hans"]
    assert texts["en"].startswith("Dear 鲜果坊")

    alarm = render(
        "cold_chain_alarm",
        {
            "waybill": "SF1",
            "temperature": 9,
            "humidity": 80,
            "when": "12:00",
            "minutes": 5,
        },
    )
    assert "80 %" in alarm["zh-hans"] and "温湿度预警" in alarm["zh-hans"]


def test_template_percent_sign_is_translated(compiled):
    template = Template('{% load i18n %}{% translate "Compliance %" %}')
    with translation.override("zh-hans"):
        assert template.render(Context()) == "达标率 %"


def test_login_page_is_chinese_for_a_chinese_browser(client, compiled):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    page = response.content.decode()
    assert "网点客户管家" in page
    assert "登录" in page and "用户名" in page and "密码" in page
    assert 'lang="zh-hans"' in page or "zh-hans" in page

    english = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Outlet CRM" in english and "网点客户管家" not in english


@pytest.mark.django_db
def test_logged_in_staff_sees_chinese_navigation(client, manager_a, compiled):
    client.force_login(manager_a)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("网点客户管家", "时限看板", "网点经理", "退出登录"):
        assert text in page, text


def test_default_policy_labels_are_translated():
    from django.utils.translation import gettext, override

    from clocks.policies import DEFAULT_LABELS

    with override("zh-hans"):
        assert [gettext(label) for label in DEFAULT_LABELS] == ["优先揽件", "专属服务"]
