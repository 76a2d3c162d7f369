"""The project's studies: ablations, comparisons, sweeps and diagnoses, each a
``project.yml`` command run as ``python -m experiments COMMAND ...`` from the
repository root; not installed with the package, never imported at runtime.

``ablation`` trains the default config without the pretraining, the transformer
or the CNN; ``finetune-compare`` (and ``finetune-step``, which it runs in a fresh
process) compares full fine-tuning with the parameter-efficient methods;
``fewshot`` measures review accuracy from a few labelled examples
(``fewshot_systems`` trains the classifiers, ``fewshot_report`` writes the
curve). The pretraining studies: ``pretrain-sweep``, ``pretrain-budget``,
``pretrain-overhead``, ``heldout-perplexity`` and ``backbone-probe``. The
checks: ``org-sample``, ``value-sample``, ``recheck-on-dev`` and
``pet-hard-diagnosis``. Where the numbers they produced are written:
``docs/README.md``.
"""
