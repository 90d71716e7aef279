"""timezone and locale module functions that need no change to the host (the states' cases run the rest
in mount namespaces)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from saline.errors import SaltInvocationError
from saline.loader import Context
from saline.modules.locale_mod import join_locale, normalize_locale, split_locale


def _salt() -> dict:
    ctx = Context({"id": "t"})
    ctx.grains = {"os_family": "Debian"}
    return ctx.salt


@pytest.mark.parametrize(("given_", "normal"), [("en_US.UTF-8", "en_US.utf8"), ("en_us.utf8", "en_US.utf8"),
                                                ("de_DE.ISO-8859-15@euro", "de_DE.iso885915@euro"),
                                                ("en_US.UTF-8 UTF-8", "en_US.utf8"), ("C", "C")])
def test_normalize_locale(given_: str, normal: str) -> None:
    assert normalize_locale(given_) == normal


_part = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=6)


@given(language=_part, territory=st.none() | _part, codeset=st.none() | _part, modifier=st.none() | _part)
def test_split_join_round_trip(language: str, territory: str | None, codeset: str | None,
                               modifier: str | None) -> None:
    parts = {"language": language, "territory": territory or "", "codeset": codeset or "",
             "modifier": modifier or "", "charmap": ""}
    assert split_locale(join_locale(parts)) == parts
    assert normalize_locale(normalize_locale(join_locale(parts))) == normalize_locale(join_locale(parts))


def test_avail_knows_the_c_locale() -> None:
    salt = _salt()
    assert salt["locale.avail"]("C") is True
    assert salt["locale.avail"]("xx_YY.UTF-8") is False


def test_bad_arguments_are_refused_before_any_change() -> None:
    salt = _salt()
    with pytest.raises(SaltInvocationError, match="Can't find a local timezone"):
        salt["timezone.zone_compare"]("Mars/Olympus_Mons")
    with pytest.raises(SaltInvocationError, match="Invalid time zone"):
        salt["timezone.zone_compare"]("../../etc/passwd")
    with pytest.raises(SaltInvocationError, match="Only 'UTC' and 'localtime'"):
        salt["timezone.set_hwclock"]("GMT")
    missing = salt["timezone.set_zone"]("Mars/Olympus_Mons")
    assert missing == "Zone does not exist: /usr/share/zoneinfo/Mars/Olympus_Mons"
    with pytest.raises(SaltInvocationError, match="Invalid locale"):
        salt["locale.set_locale"]('en_US"; rm -rf /')
