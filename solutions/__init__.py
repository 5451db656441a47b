"""The answer key: the complete reference framework students build in the lessons.

Instructors and tests only; nothing here ships to students (a test enforces it).
"""

from coursekit.gradcheck import gradcheck

from .layers import Layer, Linear, ReLU, Sigmoid, Softmax, Tanh
from .losses import AbsoluteErrorLoss, CrossEntropyLoss, LogisticLoss, SquaredErrorLoss, ZeroOneLoss
from .net import Net
from .training import History, fit, get_loss_acc, iterate_minibatches, train_epoch

__all__ = [
    "AbsoluteErrorLoss", "CrossEntropyLoss", "History", "Layer", "Linear", "LogisticLoss", "Net",
    "ReLU", "Sigmoid", "Softmax", "SquaredErrorLoss", "Tanh", "ZeroOneLoss", "fit", "get_loss_acc",
    "gradcheck", "iterate_minibatches", "train_epoch",
]
