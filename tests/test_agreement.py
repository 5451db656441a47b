"""The copy-agreement check itself: it accepts the reference and rejects a wrong copy."""

from __future__ import annotations

import numpy as np
import pytest

import solutions
from agreement import check_agreement


class Linear64(solutions.Linear):
    def __init__(self, n_in, n_out):
        super().__init__(n_in, n_out, dtype=np.float64)


def test_the_reference_agrees_with_itself():
    namespace = dict(vars(solutions), Linear=Linear64)
    assert check_agreement(namespace) == ["Linear", "Tanh", "ReLU", "Sigmoid", "Softmax",
                                          "CrossEntropyLoss", "SquaredErrorLoss", "Net",
                                          "get_loss_acc", "train_epoch"]


def test_a_copy_with_a_subtle_bug_is_caught():
    class SumInsteadOfMean(solutions.CrossEntropyLoss):
        def forward(self, prediction, labels):
            return super().forward(prediction, labels) * len(labels)

    with pytest.raises(AssertionError, match="CrossEntropyLoss.forward disagrees"):
        check_agreement({"CrossEntropyLoss": SumInsteadOfMean})


def test_lesson_style_functions_are_compared_too():
    def naive_softmax(z):
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    with np.errstate(all="ignore"), pytest.raises(AssertionError, match="softmax disagrees"):
        check_agreement({"softmax": naive_softmax})
