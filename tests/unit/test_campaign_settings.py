"""The campaign settings: the default mirrors the plan; a deployment's file overrides it key by key."""

from __future__ import annotations

from datetime import date

import pytest

from application.campaign_settings import ENV_VAR, CampaignSettingsError, load_campaign_settings


@pytest.fixture(autouse=True)
def no_deployment_file(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


def test_the_default_mirrors_the_plan():
    c = load_campaign_settings().campaign_for(date(2026, 10, 1))
    assert c.year == 2026
    assert [(p.key, p.label, p.start, p.end) for p in c.phases] == [
        ("preparation", "组织准备阶段", date(2026, 8, 3), date(2026, 8, 15)),
        ("implementation", "行动实施阶段", date(2026, 8, 16), date(2026, 12, 15)),
        ("summary", "总结阶段", date(2026, 12, 16), date(2026, 12, 30)),
    ]
    assert [(f.key, f.categories) for f in c.focus] == [
        ("two_beans", ("bean_products", "bean_sprouts")), ("drinking_water", ("drinking_water",)),
        ("aquatic_products", ("aquatic_products",))]
    assert c.high_risk_categories == ("meat_products", "aquatic_products")
    assert c.follow_up_categories == ("plugs", "wires_cables")
    assert (c.licensing_deadline, c.review_target, c.compliant_then_failed_days) == (date(2026, 12, 31), 0.9, 90)


def test_an_auto_year_is_the_campaign_that_had_begun_by_the_report_date():
    settings = load_campaign_settings()
    assert settings.year_for(date(2026, 8, 3)) == 2026
    assert settings.year_for(date(2026, 8, 2)) == 2025
    assert settings.year_for(date(2027, 3, 1)) == 2026
    assert settings.campaign_for(date(2027, 3, 1)).phase_on(date(2026, 12, 20)).key == "summary"


def test_a_deployment_file_overrides_only_what_it_names(tmp_path, monkeypatch):
    own = tmp_path / "campaign.toml"
    own.write_text('year = 2025\n[annual_review]\ntarget = 0.95\n[licensing]\ndeadline = 2025-11-30\n',
                   encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(own))
    c = load_campaign_settings().campaign_for(date(2026, 10, 1))
    assert (c.year, c.review_target, c.licensing_deadline) == (2025, 0.95, date(2025, 11, 30))
    assert c.phases[0].start == date(2025, 8, 3)  # kept from the default
    assert c.high_risk_categories == ("meat_products", "aquatic_products")


@pytest.mark.parametrize("text, complaint", [
    ('[annual_review]\ntarget = 90\n', "review target"),
    ('[sampling]\nhigh_risk_categories = ["caviar"]\n', "unknown product category"),
    ('[licensing]\ndeadline = "13-01"\n', "MM-DD"),
    ('[[phases]]\nkey = "a"\nlabel = "甲"\nstart = "09-01"\nend = "08-01"\n', "starts after it ends"),
    ('year = = 2026\n', "cannot read"),
])
def test_a_malformed_file_is_refused_with_a_reason(tmp_path, text, complaint):
    own = tmp_path / "campaign.toml"
    own.write_text(text, encoding="utf-8")
    with pytest.raises(CampaignSettingsError, match=complaint):
        load_campaign_settings(own)
