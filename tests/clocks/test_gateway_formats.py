"""Channels as Chinese gateways expect them: SMS as signature + template code +
parameters per message kind, staff alerts in a WeCom or DingTalk robot's format.

Sent to a real local HTTP peer (``http_peer``); nothing leaves the machine.
"""

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured

from clocks.channels import (
    DeliveryError,
    DingTalkRobotChannel,
    Outgoing,
    SmsGatewayChannel,
    WeComRobotChannel,
    dingtalk_sign,
    template_params,
)
from clocks.texts import render

from .http_peer import serve

CODES = {"delay_notice": "SMS_100002", "care_campaign": "SMS_100009"}


def outgoing(template: str, texts: dict, language="zh-hans", address="+8613800138000"):
    return Outgoing(
        message_id=7,
        channel="sms",
        address=address,
        template=template,
        language=language,
        text=texts[language],
        dedupe_key=f"{template}:7",
    )


DELAY = {
    "customer": "王芳",
    "waybill": "SF0000000001",
    "reason": "高速拥堵 3 小时",
    "expected": "2027-06-01 18:00",
    "plan": "已改道，明早送达",
}


def test_an_sms_carries_signature_template_code_and_parameters(monkeypatch):
    with serve(monkeypatch) as peer:
        channel = SmsGatewayChannel(
            peer.url, api_key="k", signature="网点客户管家", templates=CODES
        )
        channel.send(outgoing("delay_notice", render("delay_notice", DELAY)))
    [body] = peer.received
    assert body["SignName"] == "网点客户管家"
    assert body["TemplateCode"] == "SMS_100002"
    assert json.loads(body["TemplateParam"]) == DELAY
    assert body["TemplateParamSet"] == list(DELAY.values())
    assert body["PhoneNumbers"] == "+8613800138000"
    assert body["OutId"] == "delay_notice:7"
    assert "text" not in body  # no free text goes to the gateway


def test_the_parameters_are_read_back_in_the_customers_language():
    texts = render("delay_notice", DELAY)
    assert template_params("delay_notice", "en", texts["en"]) == DELAY


def test_a_care_campaign_sms_has_its_own_template_code(monkeypatch):
    from followups.occasions.texts import CARE_TEMPLATES

    assert "care_campaign" in CARE_TEMPLATES  # registered when the app is ready
    texts = render("care_campaign", {"customer": "王芳", "text": "中秋快乐"})
    with serve(monkeypatch) as peer:
        SmsGatewayChannel(
            peer.url, api_key="k", signature="网点客户管家", templates=CODES
        ).send(outgoing("care_campaign", texts))
    [body] = peer.received
    assert body["TemplateCode"] == "SMS_100009"
    assert json.loads(body["TemplateParam"]) == {"customer": "王芳", "text": "中秋快乐"}


def test_a_kind_without_a_template_code_is_dead_at_once_and_never_sent(monkeypatch):
    texts = render(
        "milestone",
        {
            "customer": "王芳",
            "waybill": "SF1",
            "milestone": "签收成功",
            "location": "杭州",
            "when": "10:00",
            "link": "x",
        },
    )
    with serve(monkeypatch) as peer:
        channel = SmsGatewayChannel(
            peer.url, api_key="k", signature="网点客户管家", templates=CODES
        )
        with pytest.raises(DeliveryError) as caught:
            channel.send(outgoing("milestone", texts))
    assert caught.value.permanent
    assert "milestone" in str(caught.value)
    assert peer.received == []


def test_template_codes_without_a_signature_are_a_configuration_error():
    with pytest.raises(ImproperlyConfigured):
        SmsGatewayChannel("http://127.0.0.1:9/", api_key="k", templates=CODES)


def test_settings_read_signature_and_codes_from_the_environment(monkeypatch):
    import environ

    monkeypatch.setenv("SMS_TEMPLATE_CODES", "milestone=SMS_1,delay_notice=SMS_2")
    assert environ.Env().dict("SMS_TEMPLATE_CODES") == {
        "milestone": "SMS_1",
        "delay_notice": "SMS_2",
    }


STAFF_ALERT = Outgoing(
    message_id=9,
    channel="staff",
    address="13800000001",
    template="clock_breach",
    language="zh-hans",
    text="超时：王芳的揽件联系已于 10:30 到期。",
    dedupe_key="breach:9:staff:3",
)


def test_a_wecom_robot_gets_a_text_message_mentioning_the_staff_mobile(monkeypatch):
    with serve(monkeypatch) as peer:
        WeComRobotChannel(peer.url + "?key=robot-key").send(STAFF_ALERT)
    assert peer.received == [
        {
            "msgtype": "text",
            "text": {
                "content": "超时：王芳的揽件联系已于 10:30 到期。",
                "mentioned_mobile_list": ["13800000001"],
            },
        }
    ]


def test_a_dingtalk_robot_gets_its_text_format_with_at_mobiles(monkeypatch):
    with serve(monkeypatch) as peer:
        DingTalkRobotChannel(peer.url).send(STAFF_ALERT)
    assert peer.received == [
        {
            "msgtype": "text",
            "text": {"content": "超时：王芳的揽件联系已于 10:30 到期。"},
            "at": {"atMobiles": ["13800000001"], "isAtAll": False},
        }
    ]


def test_a_signed_dingtalk_url_carries_timestamp_and_hmac_sign():
    url = DingTalkRobotChannel(
        "https://oapi.dingtalk.com/robot/send?access_token=t", secret="SEC1"
    ).signed_url()
    query = parse_qs(urlsplit(url).query)
    stamp = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(b"SEC1", f"{stamp}\nSEC1".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected] == [dingtalk_sign(stamp, "SEC1")]
    assert query["access_token"] == ["t"]


def test_a_staff_username_is_not_mentioned_as_a_mobile(monkeypatch):
    by_name = Outgoing(**{**STAFF_ALERT.__dict__, "address": "manager_a"})
    with serve(monkeypatch) as peer:
        WeComRobotChannel(peer.url).send(by_name)
    assert "mentioned_mobile_list" not in peer.received[0]["text"]


def test_settings_choose_the_robot_format(monkeypatch):
    from config import settings as config

    monkeypatch.setenv("STAFF_WEBHOOK_URL", "https://qyapi.weixin.qq.com/x?key=k")
    assert config._staff_channel("wecom")["BACKEND"].endswith("WeComRobotChannel")
    assert config._staff_channel("dingtalk")["BACKEND"].endswith("DingTalkRobotChannel")
    with pytest.raises(ImproperlyConfigured):
        config._staff_channel("telegram")
