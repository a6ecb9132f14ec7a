"""Whatever bytes arrive, the Heuvelland adapter returns events and typed failures or raises
a typed error: it never crashes (an untyped exception would be an adapter bug)."""

from __future__ import annotations

import os
from xml.sax.saxutils import quoteattr

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.adapter import Translation
from connectors.errors import TranslationError
from connectors.heuvelland import check, translate
from contracts import CanonicalEvent
from tests.samples import partner_sample, raw

SAMPLES = [
    partner_sample("heuvelland", "HVL_20261126073000_0001.xml"),
    partner_sample("heuvelland", "HVL_20261127160500_0002.xml"),
]
# A quick run in the suite; KETENBUS_HYPOTHESIS_EXAMPLES=5000 for a thorough one.
FAST = settings(
    max_examples=int(os.environ.get("KETENBUS_HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def outcome(body: bytes) -> None:
    """Translate; fail the test on anything but events, typed failures or a typed error."""
    try:
        result = translate(raw("heuvelland", body, "file"))
    except TranslationError as exc:
        result = exc
    if isinstance(result, TranslationError):
        assert result.reason
        return
    assert isinstance(result, Translation)
    assert all(isinstance(event, CanonicalEvent) for event in result.events)
    assert all(isinstance(failure, TranslationError) for failure in result.failures)
    assert all(failure.message_id for failure in result.failures)
    check("HVL_20261126073000_0001.xml", body)  # never raises either


@FAST
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(body: bytes) -> None:
    outcome(body)


@FAST
@given(
    st.sampled_from(SAMPLES),
    st.integers(min_value=0, max_value=1500),
    st.integers(min_value=0, max_value=40),
    st.binary(max_size=20),
)
def test_samples_with_bytes_cut_out_or_put_in(
    sample: bytes, at: int, cut: int, inserted: bytes
) -> None:
    outcome(sample[:at] + inserted + sample[at + cut :])


VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["J", "N", "ACC", "OND", "TGE", "VER", "AFW", "BNT", "OUD", "ARBEID", "MATERIAAL", "UUR",
         "ST", "0", "-1", "2.50", "99999999999.999999", "1e5", "NaN", "2026-11-27T13:00:00",
         "2026-03-29T02:30:00", "0001-01-01T00:00:00", "2026-11-30", "WL-2026-004712", ""]
    ),
)  # fmt: skip


@st.composite
def berichten(draw: st.DrawFn) -> bytes:
    """Batches of Berichten whose every attribute may be valid or anything at all."""

    def attrs(*names: str) -> str:
        return " ".join(f"{name}={quoteattr(draw(VALUES))}" for name in names)

    parts = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        soort = draw(st.sampled_from(["Status", "Planning", "Gereedmelding", "Factuur", "X"]))
        body = f"<hb:Opdracht {attrs('nummer', 'eigenNummer')}/>"
        body += {
            "Status": f"<hb:Status {attrs('code', 'detail', 'tijdstip')}>n</hb:Status>",
            "Planning": f"<hb:Afspraak {attrs('begin', 'eind')}/>",
            "Gereedmelding": "<hb:Gereed "
            f"{attrs('datum', 'eersteKeerGoed', 'oorzaak', 'element')}/>"
            f"<hb:Regel {attrs('soort', 'omschrijving', 'aantal', 'eenheid', 'prijs')}/>",
            "Factuur": f"<hb:Factuur {attrs('nummer', 'datum', 'vervaldatum', 'btwVerlegd')}>"
            f"<hb:Regel {attrs('omschrijving', 'aantal', 'eenheid', 'prijs', 'btw')}/>"
            f"<hb:Totaal {attrs('exclBtw', 'btw', 'inclBtw', 'gRekening')}/></hb:Factuur>",
            "X": "",
        }[soort]
        parts.append(f"<hb:Bericht {attrs('id')} soort={quoteattr(soort)}>{body}</hb:Bericht>")
    encoding = draw(st.sampled_from(["UTF-8", "ISO-8859-1"]))
    document = (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        f'<hb:Berichten xmlns:hb="urn:heuvelland:onderhoud:1.2" {attrs("aangemaakt")}>'
        + "".join(parts)
        + "</hb:Berichten>"
    )
    return document.encode("utf-8" if encoding == "UTF-8" else "iso-8859-1", "replace")


@FAST
@given(berichten())
def test_near_valid_batches(body: bytes) -> None:
    outcome(body)
