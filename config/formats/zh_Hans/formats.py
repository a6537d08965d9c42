"""Simplified Chinese: ISO first for the browser's inputs, then the local forms."""

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2026-12-02, what <input type="date"> sends and shows
    "%Y/%m/%d",  # 2026/12/02
    "%Y年%m月%d日",  # 2026年12月2日
]

TIME_INPUT_FORMATS = [
    "%H:%M",  # 09:30, what <input type="time"> sends and shows
    "%H:%M:%S",
    "%H:%M:%S.%f",
]

DATETIME_INPUT_FORMATS = [
    "%Y-%m-%dT%H:%M",  # what <input type="datetime-local"> sends and shows
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S.%f",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
]
