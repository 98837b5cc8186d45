"""TRL's vision collator with the assistant mask built on Python lists, not on tensors.

With `return_tensors="pt"`, transformers 5.24's `ProcessorMixin._adjust_assistant_masks_indices`
walks the tokenizer's `offset_mapping` one token at a time *as a tensor*: every comparison is a
0-d tensor op, ~365 ms for a batch of four k=5 OURO conversations (~4,500 tokens), about a quarter
of a whole TRL step on the tiny Qwen2-VL. Asking `apply_chat_template` for plain lists
(`return_tensors=None`) runs the same loop on ints and converting afterwards gives the very same
ids, masks and pixels (a test compares them with TRL's own collator on real rows), ~10x faster.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from transformers import BatchFeature
from trl.data_utils import prepare_multimodal_messages
from trl.trainer.sft_trainer import DataCollatorForVisionLanguageModeling

IGNORE_INDEX = -100  # what the loss skips (TRL's and transformers' convention)


@dataclasses.dataclass
class ListMaskVisionCollator(DataCollatorForVisionLanguageModeling):
    """`DataCollatorForVisionLanguageModeling`, same settings and output, assistant mask on lists.

    Only conversational rows with `assistant_only_loss` take the new path (the only one that builds
    a mask); everything else is TRL's own code.
    """

    @classmethod
    def like(cls, collator: DataCollatorForVisionLanguageModeling) -> ListMaskVisionCollator:
        """This collator with every setting of `collator` (the one SFTTrainer chose)."""
        settings = {f.name: getattr(collator, f.name) for f in dataclasses.fields(collator)}
        return cls(**settings)

    def _collate_language_modeling(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        if not (self.assistant_only_loss and "messages" in examples[0] and "images" in examples[0]):
            return super()._collate_language_modeling(examples)
        messages = [
            prepare_multimodal_messages(example["messages"], images=example["images"])
            for example in examples
        ]
        output = self.processor.apply_chat_template(
            messages,
            chat_template=self.chat_template,
            tokenize=True,
            return_dict=True,
            return_tensors=None,  # lists: the mask loop then compares ints, not 0-d tensors
            return_assistant_tokens_mask=True,
            processor_kwargs=self._processor_kwargs(),
        )
        masks = output.pop("assistant_masks")
        output = BatchFeature(dict(output), tensor_type=self.return_tensors)
        labels = output["input_ids"].clone()
        labels[output["attention_mask"] == 0] = IGNORE_INDEX
        labels[output["input_ids"].new_tensor(masks) == 0] = IGNORE_INDEX
        output["labels"] = labels
        return output

    def _processor_kwargs(self) -> dict[str, Any]:
        """The processor settings TRL's `_collate_language_modeling` passes (trl 1.16)."""
        return {
            "padding": True,
            "padding_side": "right",
            "pad_to_multiple_of": self.pad_to_multiple_of,
            "truncation": self.max_length is not None,
            "max_length": self.max_length,
            "add_special_tokens": False,  # the chat template already wrote the special tokens
        }


def use_list_mask_collator(trainer: Any) -> None:
    """Swap the vision collator an `SFTTrainer` picked for `ListMaskVisionCollator`, settings kept.

    Swapped after construction rather than passed as `data_collator=`: SFTTrainer sets up the pad
    token (tokenizer and model config) only when it builds its collator itself.
    """
    if type(trainer.data_collator) is DataCollatorForVisionLanguageModeling:
        trainer.data_collator = ListMaskVisionCollator.like(trainer.data_collator)
