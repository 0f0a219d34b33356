"""Data slant: a model trained on biased decisions repeats them, and a feedback loop widens them."""

from __future__ import annotations

from typing import Any

META = {
    "name": "data-slant",
    "title": "Biased data, biased model, feedback loop",
    "concept": (
        "A model trained to imitate past decisions learns their bias too, even without the "
        "group as an input: a correlated feature (here, the neighbourhood) carries it. When "
        "the model's decisions shape the next round of data, the gap can grow by itself."
    ),
    "watch_for": (
        "Synthetic loan decisions in which both groups are equally able to repay. Past loan "
        "officers marked down one neighbourhood; the model reproduces the approval gap, "
        "refuses more qualified people in group B, and each feedback round widens the gap."
    ),
    "expected_seconds": 4,
    "order": 90,
}

N = 4000
REDLINE = 0.9  # how much past officers marked down neighbourhood 1
PROXY_FLIP = 0.1  # neighbourhood differs from group for 10% of people
FEEDBACK = 0.8  # how strongly a group's approval rate moves its next credit scores


def run(ctx: Any) -> None:
    import demokit as dk
    import torch

    dev = ctx.device
    rounds = ctx.pick(4, 5)

    def applicants(seed: int, offset: Any) -> dict[str, Any]:
        g = dk.gen(seed)
        group = (torch.rand(N, generator=g) < 0.5).long()
        ability = torch.randn(N, generator=g)
        repays = ability + 0.5 * torch.randn(N, generator=g) > 0
        score = ability + 0.5 * torch.randn(N, generator=g) + offset[group]
        flip = torch.rand(N, generator=g) < PROXY_FLIP
        hood = torch.where(flip, 1 - group, group).float()
        past = score - REDLINE * hood + 0.3 * torch.randn(N, generator=g) > 0
        x = torch.stack([score, hood], 1)
        return {"group": group, "repays": repays, "x": x.to(dev), "past": past}

    def rates(people: dict[str, Any], approved: Any) -> list[dict[str, float]]:
        out = []
        for k in (0, 1):
            m = people["group"] == k
            q = m & people["repays"]
            out.append(
                {
                    "approval": float(approved[m].float().mean()),
                    "repays": float(people["repays"][m].float().mean()),
                    "refused_qualified": float((~approved[q]).float().mean()),
                }
            )
        return out

    def fit(x: Any, labels: Any, seed: int) -> Any:
        model = dk.logistic(2, 2, seed=seed, device=dev)
        dk.train(model, x, labels.long().to(dev), epochs=300, lr=0.2, seed=seed)
        return model

    def decide(model: Any, x: Any) -> Any:
        return (dk.logits_of(model, x).argmax(1) == 1).cpu()

    offset = torch.zeros(2)
    history = applicants(ctx.seed, offset)
    hist_rates = rates(history, history["past"])
    model = fit(history["x"], history["past"], ctx.seed)
    new = applicants(ctx.seed + 1, offset)
    approved = decide(model, new["x"])
    model_rates = rates(new, approved)
    agreement = float((approved == new["past"]).float().mean())
    w = model[0].weight.detach()
    w = (w[1] - w[0]).cpu()

    rows = []
    for k, name in enumerate(("group A", "group B")):
        h, m = hist_rates[k], model_rates[k]
        rows.append(
            [
                name,
                f"{h['repays']:.0%}",
                f"{h['approval']:.0%}",
                f"{m['approval']:.0%}",
                f"{h['refused_qualified']:.0%}",
                f"{m['refused_qualified']:.0%}",
            ]
        )
    ctx.table(
        "Past officers vs the model (group is not an input)",
        [
            "",
            "would repay",
            "approved (past)",
            "approved (model)",
            "qualified refused (past)",
            "qualified refused (model)",
        ],
        rows,
    )
    ctx.text(
        f"The model's weights: credit score {float(w[0]):+.2f}, neighbourhood "
        f"{float(w[1]):+.2f}. It learned to mark down the neighbourhood."
    )

    chart = "Approval rate per round"
    err_chart = "Qualified applicants refused"
    ctx.chart(chart, x_label="round (0 = past officers)", y_min=0, y_max=1)
    ctx.chart(err_chart, x_label="round (0 = past officers)", y_min=0, y_max=1)
    gaps = []
    loop_rows = []
    for rnd, (r, label) in enumerate(((hist_rates, "past officers"), (model_rates, "model"))):
        _plot(ctx, chart, err_chart, rnd, r)
        gaps.append(r[0]["approval"] - r[1]["approval"])
        loop_rows.append(
            [
                rnd,
                label,
                f"{r[0]['approval']:.0%}",
                f"{r[1]['approval']:.0%}",
                f"{gaps[-1]:.0%}",
                f"{r[1]['refused_qualified']:.0%}",
            ]
        )
    ctx.progress(1, rounds + 1, "model trained on past decisions")

    # Feedback: approvals build credit history in a community, refusals erode it, and the
    # bank retrains on its own last decisions.
    people, decisions = new, approved
    current = model_rates
    for rnd in range(2, rounds + 2):
        appr = torch.tensor([current[0]["approval"], current[1]["approval"]])
        offset = offset + FEEDBACK * (appr - appr.mean())
        model = fit(people["x"], decisions, ctx.seed + rnd)
        people = applicants(ctx.seed + rnd, offset)
        decisions = decide(model, people["x"])
        current = rates(people, decisions)
        _plot(ctx, chart, err_chart, rnd, current)
        gaps.append(current[0]["approval"] - current[1]["approval"])
        loop_rows.append(
            [
                rnd,
                "feedback",
                f"{current[0]['approval']:.0%}",
                f"{current[1]['approval']:.0%}",
                f"{gaps[-1]:.0%}",
                f"{current[1]['refused_qualified']:.0%}",
            ]
        )
        ctx.progress(rnd, rounds + 1, f"feedback round {rnd - 1}/{rounds}")
    ctx.table(
        "Feedback loop",
        ["round", "", "A approved", "B approved", "gap", "B qualified refused"],
        loop_rows,
    )

    headline = {
        "repay_rate_a": hist_rates[0]["repays"],
        "repay_rate_b": hist_rates[1]["repays"],
        "past_gap": gaps[0],
        "model_gap": gaps[1],
        "final_gap": gaps[-1],
        "feedback_rounds": rounds,
        "model_refused_qualified_a": model_rates[0]["refused_qualified"],
        "model_refused_qualified_b": model_rates[1]["refused_qualified"],
        "final_refused_qualified_b": current[1]["refused_qualified"],
        "neighbourhood_weight": float(w[1]),
        "model_agrees_with_past": agreement,
    }
    ctx.result(
        headline,
        f"Both groups would repay at the same rate ({hist_rates[0]['repays']:.0%} vs "
        f"{hist_rates[1]['repays']:.0%}), but past officers approved "
        f"{hist_rates[0]['approval']:.0%} of A and {hist_rates[1]['approval']:.0%} of B. The "
        "model never saw the group, yet it learned a negative weight on the neighbourhood and "
        f"approved {model_rates[0]['approval']:.0%} vs {model_rates[1]['approval']:.0%}, "
        "refusing "
        f"{model_rates[1]['refused_qualified']:.0%} of qualified B applicants against "
        f"{model_rates[0]['refused_qualified']:.0%} in A. Once its refusals lowered the next "
        f"credit scores in B's community and the bank retrained on its own decisions, the gap "
        f"grew from {100 * gaps[1]:.0f} to {100 * gaps[-1]:.0f} points in {rounds} rounds. "
        f"Judged against past decisions the model looked excellent ({agreement:.0%} "
        "agreement): the labels were the problem.",
    )


def _plot(ctx: Any, chart: str, err_chart: str, rnd: int, r: list[dict[str, float]]) -> None:
    for k, name in enumerate(("group A", "group B")):
        ctx.metric(chart, name, rnd, r[k]["approval"])
        ctx.metric(err_chart, name, rnd, r[k]["refused_qualified"])
