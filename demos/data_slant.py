"""Data slant: a model trained on biased decisions repeats them, and a feedback loop widens them."""

from __future__ import annotations

from typing import Any

META = {
    "name": "data-slant",
    "title": "Biased data, biased model, feedback loops",
    "concept": (
        "A model trained to imitate past decisions learns their bias too, even without the "
        "group as an input: a correlated feature (here, the neighbourhood) carries it. When "
        "the model's decisions shape its next training data, the gap can persist or grow: "
        "refused applicants never show that they would have repaid."
    ),
    "watch_for": (
        "Synthetic loan decisions in which both groups are equally able to repay. Past loan "
        "officers marked down one neighbourhood; the model reproduces the approval gap. "
        "Loop 1 widens it under an assumed rule (refusals lower a community's next credit "
        "scores). Loop 2 assumes nothing about scores: the bank learns from outcomes it "
        "only sees for approved applicants, and the gap stays open."
    ),
    "expected_seconds": 3,
    "order": 90,
    "params": {
        # how much past officers marked down the neighbourhood (log-odds of approval)
        "markdown": {"default": 0.9, "values": [0.0, 0.3, 0.6, 0.9, 1.5]},
    },
    "results": {
        "repay_rate_a": "share of group A applicants who would repay (fraction 0-1)",
        "repay_rate_b": "share of group B applicants who would repay (fraction 0-1)",
        "past_gap": "past officers' approval rate of A minus that of B (fraction)",
        "model_gap": "approval gap A minus B of the model trained on past decisions (fraction)",
        "model_refused_qualified_a": (
            "share of A applicants who would repay that the model refuses (fraction 0-1)"
        ),
        "model_refused_qualified_b": (
            "share of B applicants who would repay that the model refuses (fraction 0-1)"
        ),
        "neighbourhood_weight": (
            "the model's weight on living in the marked-down neighbourhood (log-odds; "
            "negative = marked down)"
        ),
        "model_agrees_with_past": (
            "share of new applicants on which the model decides as past officers would "
            "(fraction 0-1)"
        ),
        "feedback_rounds": "number of rounds in each loop",
        "final_gap": (
            "loop 1 (assumed credit-score feedback): approval gap after the last round (fraction)"
        ),
        "final_refused_qualified_b": (
            "loop 1: share of B applicants who would repay that are refused in the last "
            "round (fraction 0-1)"
        ),
        "selective_first_gap": (
            "loop 2 (selective labels): approval gap in the first round (fraction)"
        ),
        "selective_final_gap": "loop 2: approval gap after the last round (fraction)",
        "all_outcomes_final_gap": (
            "loop 2's counterfactual: approval gap after the last round for a bank that "
            "sees every applicant's outcome (fraction)"
        ),
        "selective_true_repay_rate_b": (
            "loop 2, last round: share of B applicants who would repay (fraction 0-1)"
        ),
        "selective_recorded_repay_rate_a": (
            "loop 2, last round: share of A applicants recorded as repaying (fraction 0-1)"
        ),
        "selective_recorded_repay_rate_b": (
            "loop 2, last round: share of B applicants recorded as repaying (fraction 0-1)"
        ),
        "selective_final_refused_qualified_b": (
            "loop 2: share of B applicants who would repay that are refused in the last "
            "round (fraction 0-1)"
        ),
    },
}

N = 4000
PROXY_FLIP = 0.1  # neighbourhood differs from group for 10% of people
FEEDBACK = 0.8  # how strongly a group's approval rate moves its next credit scores
FIT_EPOCHS = 300  # full-batch steps of each logistic regression the bank trains


def run(ctx: Any) -> None:
    import demokit as dk
    import torch

    dev = ctx.device
    markdown = float(ctx.param("markdown"))
    rounds = ctx.pick(4, 5)

    def applicants(seed: int, offset: Any) -> dict[str, Any]:
        g = dk.gen(seed)
        group = (torch.rand(N, generator=g) < 0.5).long()
        ability = torch.randn(N, generator=g)
        repays = ability + 0.5 * torch.randn(N, generator=g) > 0
        score = ability + 0.5 * torch.randn(N, generator=g) + offset[group]
        flip = torch.rand(N, generator=g) < PROXY_FLIP
        hood = torch.where(flip, 1 - group, group).float()
        past = score - markdown * hood + 0.3 * torch.randn(N, generator=g) > 0
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

    def fit(x: Any, labels: Any, seed: int, on_epoch: Any = None) -> Any:
        model = dk.logistic(2, 2, seed=seed, device=dev)
        dk.train(
            model, x, labels.long().to(dev), epochs=FIT_EPOCHS, lr=0.2, seed=seed, on_epoch=on_epoch
        )
        return model

    def decide(model: Any, x: Any) -> Any:
        return (dk.logits_of(model, x).argmax(1) == 1).cpu()

    offset = torch.zeros(2)
    history = applicants(ctx.seed, offset)
    hist_rates = rates(history, history["past"])
    ctx.chart("training loss", x_label="epoch", y_label="cross-entropy", y_min=0)
    curve = dk.thinned(ctx.training_curve("model on past decisions"), dk.every(FIT_EPOCHS, 30))
    model = fit(history["x"], history["past"], ctx.seed, curve)
    new = applicants(ctx.seed + 1, offset)
    approved = decide(model, new["x"])
    model_rates = rates(new, approved)
    agreement = float((approved == new["past"]).float().mean())
    w = model[0].weight.detach()
    w = (w[1] - w[0]).cpu()

    measures = (
        ("would repay", hist_rates, "repays"),
        ("approved by past officers", hist_rates, "approval"),
        ("approved by the model", model_rates, "approval"),
        ("would repay but refused, past officers", hist_rates, "refused_qualified"),
        ("would repay but refused, the model", model_rates, "refused_qualified"),
    )
    ctx.table(
        "Past officers vs the model (group is not an input)",
        ["", "group A", "group B"],
        [[label, f"{r[0][key]:.0%}", f"{r[1][key]:.0%}"] for label, r, key in measures],
    )
    ctx.text(
        f"The model's weights: credit score {float(w[0]):+.2f}, neighbourhood "
        f"{float(w[1]):+.2f}. It learned to mark down the neighbourhood."
    )

    chart = "Approval rate per round"
    err_chart = "Qualified applicants refused"
    ctx.chart(chart, x_label="round (0 = past officers; loop 1)", y_min=0, y_max=1)
    ctx.chart(err_chart, x_label="round (0 = past officers; loop 1)", y_min=0, y_max=1)
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
    ctx.progress(1, 2 * rounds + 1, "model trained on past decisions")

    ctx.text(
        "**Loop 1: an assumed mechanism, not a measurement.** This simulation assumes that "
        "approvals build credit history in a community and refusals erode it: each round, "
        f"a group's next credit scores move by {FEEDBACK} x (its approval rate minus the "
        "average of both groups), and the bank retrains on its own last decisions. How "
        "fast the gap grows follows from that assumed rule and its strength, not from data."
    )
    # Feedback: approvals build credit history in a community, refusals erode it, and the
    # bank retrains on its own last decisions.
    first_model = model
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
        ctx.progress(rnd, 2 * rounds + 1, f"loop 1: round {rnd - 1}/{rounds}")
    ctx.table(
        "Loop 1: feedback on credit scores (assumed mechanism)",
        ["round", "", "A approved", "B approved", "gap", "B qualified refused"],
        loop_rows,
    )

    # ---- loop 2: selective labels (credit scores stay as they are)
    share = float(history["past"].float().mean())
    ctx.text(
        "**Loop 2: selective labels.** Start again from the model trained on past "
        "decisions, with no change to anyone's credit score. The bank now learns from "
        "outcomes: only an approved applicant gets a loan and so a chance to repay; a "
        "refused applicant leaves no repayment on record and counts as a bad risk in the "
        "next training set. Each round the bank approves the same share of applicants as "
        f"the past officers did ({share:.0%}). The model is never shown the refused people "
        "who would have repaid."
    )
    sel_chart = "Loop 2: approval rate per round (selective labels)"
    ctx.chart(sel_chart, x_label="round", y_min=0, y_max=1)

    def approve_share(model: Any, x: Any) -> Any:
        """The bank approves its usual share: the applicants the model ranks highest."""
        margin = dk.logits_of(model, x).diff(dim=1).squeeze(1).cpu()
        return margin > margin.quantile(1 - share)

    sel_model, full_model, sel_rows = first_model, first_model, []
    sel_gaps: list[float] = []
    full_gaps: list[float] = []
    for rnd in range(1, rounds + 1):
        people = applicants(ctx.seed + 100 + rnd, torch.zeros(2))
        decisions = approve_share(sel_model, people["x"])
        sel = rates(people, decisions)
        full = rates(people, approve_share(full_model, people["x"]))
        recorded = decisions & people["repays"]
        on_record = [float(recorded[people["group"] == k].float().mean()) for k in (0, 1)]
        sel_gaps.append(sel[0]["approval"] - sel[1]["approval"])
        full_gaps.append(full[0]["approval"] - full[1]["approval"])
        for k, name in enumerate(("group A", "group B")):
            ctx.metric(sel_chart, name, rnd, sel[k]["approval"])
        ctx.metric(sel_chart, "gap if every outcome were seen", rnd, full_gaps[-1])
        sel_rows.append(
            [
                rnd,
                f"{sel[0]['approval']:.0%}",
                f"{sel[1]['approval']:.0%}",
                f"{sel_gaps[-1]:.0%}",
                f"{full_gaps[-1]:.0%}",
                f"{sel[1]['repays']:.0%}",
                f"{on_record[1]:.0%}",
            ]
        )
        sel_model = fit(people["x"], recorded, ctx.seed + 100 + rnd)
        full_model = fit(people["x"], people["repays"], ctx.seed + 100 + rnd)
        ctx.progress(rounds + 1 + rnd, 2 * rounds + 1, f"selective labels: round {rnd}/{rounds}")
    ctx.table(
        "Loop 2: selective labels",
        [
            "round",
            "A approved",
            "B approved",
            "gap",
            "gap if all seen",
            "B would repay",
            "B on record",
        ],
        sel_rows,
    )
    ctx.text(
        f"With outcomes seen only for approved applicants the gap goes from "
        f"{100 * sel_gaps[0]:.0f} to {100 * sel_gaps[-1]:.0f} points in {rounds} rounds; a "
        f"bank that saw every applicant's outcome would be at {100 * full_gaps[-1]:.0f}. In "
        f"the last round {sel[1]['repays']:.0%} of B would have repaid, but the records "
        f"show {on_record[1]:.0%} (A: {sel[0]['repays']:.0%} and {on_record[0]:.0%}): the "
        "refused ones never get the chance, so nothing in the "
        "data tells the model it was wrong about them."
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
        "selective_first_gap": sel_gaps[0],
        "selective_final_gap": sel_gaps[-1],
        "selective_recorded_repay_rate_a": on_record[0],
        "selective_recorded_repay_rate_b": on_record[1],
        "selective_true_repay_rate_b": sel[1]["repays"],
        "all_outcomes_final_gap": full_gaps[-1],
        "selective_final_refused_qualified_b": sel[1]["refused_qualified"],
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
        f"{model_rates[0]['refused_qualified']:.0%} in A. Under an assumed feedback rule "
        "(refusals lower the next credit scores in B's community) with the bank retraining "
        f"on its own decisions, the gap grew from {100 * gaps[1]:.0f} to "
        f"{100 * gaps[-1]:.0f} points in {rounds} rounds; that growth follows from the "
        "assumption. With no assumption about credit scores, learning from outcomes seen only for approved "
        f"applicants still left a {100 * sel_gaps[-1]:.0f}-point gap after {rounds} rounds "
        f"(every outcome seen: {100 * full_gaps[-1]:.0f}), because B's records show "
        f"{on_record[1]:.0%} repaid where {sel[1]['repays']:.0%} would have (A: "
        f"{on_record[0]:.0%} of {sel[0]['repays']:.0%}). "
        f"Judged against past decisions the model looked excellent ({agreement:.0%} "
        "agreement): the labels were the problem.",
    )


def _plot(ctx: Any, chart: str, err_chart: str, rnd: int, r: list[dict[str, float]]) -> None:
    for k, name in enumerate(("group A", "group B")):
        ctx.metric(chart, name, rnd, r[k]["approval"])
        ctx.metric(err_chart, name, rnd, r[k]["refused_qualified"])
