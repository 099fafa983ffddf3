"""The API's bodies stay in step with the command inputs they stand for."""

from __future__ import annotations

import pytest

from patronage.entrypoints.api import schemas as s
from patronage.service import inputs as i

# (API body, command input, fields the path gives, fields only the API has)
PAIRS = [
    (s.StoreBody, i.StoreIn, {"id"}, set()),
    (s.CustomerBody, i.CustomerIn, {"id"}, set()),
    (s.EnrollBody, i.EnrollIn, {"customer"}, set()),
    (s.AdjustBody, i.AdjustIn, {"customer"}, set()),
    (s.PaymentBody, i.PaymentIn, {"invoice"}, set()),
    (s.VoidBody, i.VoidIn, {"invoice"}, set()),
    (s.ConvertBody, i.ConvertIn, {"invoice"}, set()),
    (s.QuoteBody, i.InvoiceIn, set(), set()),
    (s.AwardProcessingBody, i.ProcessAwardsIn, {"program"}, {"commit"}),
    (s.ProgramPatch, i.ProgramIn, {"id"}, set()),
]


@pytest.mark.parametrize(("body", "source", "path", "extra"), PAIRS,
                         ids=[p[0].__name__ for p in PAIRS])
def test_bodies_have_the_fields_of_their_inputs(body: type, source: type, path: set[str],
                                                extra: set[str]) -> None:
    assert set(body.model_fields) == set(source.model_fields) - path | extra
    for name, field in body.model_fields.items():
        if name in extra or body is s.ProgramPatch or (body is s.QuoteBody and name == "id"):
            continue
        theirs = source.model_fields[name]
        assert field.metadata == theirs.metadata, name
        assert field.annotation == theirs.annotation, name
        assert field.is_required() == theirs.is_required(), name


def test_bodies_refuse_unknown_keys_and_floats() -> None:
    with pytest.raises(ValueError):
        s.PaymentBody.model_validate({"id": "p", "store": 1, "tender": "cash", "amount": 1.5})
    with pytest.raises(ValueError):
        s.StoreBody.model_validate({"name": "x", "colour": "red"})
    assert s.ProgramPatch.model_validate({"grace_days": 3}).model_dump(exclude_unset=True) == \
        {"grace_days": 3}
