"""``hanzi-spacy.link_listeners.v1``: listeners of sourced components find a new
upstream component.

The LoRA strategies of ``workflow/update.py`` build the transformer again (on
the base's exported backbone, with LoRA) while the components that listen to
it are sourced from the base. spaCy's ``init_nlp`` initializes the new
components with the sourced ones disabled, and ``nlp.initialize`` then links
listeners among the enabled components only: the new transformer would train
with no listeners, so none would receive its output (E203 at the first
update). Run as ``[initialize.after_init]``, this links every listened-to
component to its listeners in all the pipeline's components, disabled ones
included, through the components' own ``find_listeners``.
"""

from typing import Callable

from spacy.language import Language
from spacy.ty import ListenedToComponent
from spacy.util import registry


@registry.callbacks("hanzi-spacy.link_listeners.v1")
def create_link_listeners() -> Callable[[Language], Language]:
    """An after_init callback that links listeners across all components.

    RETURNS (Callable[[Language], Language]): The callback.
    """
    return link_listeners


def link_listeners(nlp: Language) -> Language:
    """Add to each listened-to component the listeners of every later
    component, enabled or not (adding one already there changes nothing)."""
    components = list(nlp.components)
    for i, (_, upstream) in enumerate(components):
        if isinstance(upstream, ListenedToComponent):
            for _, downstream in components[i + 1 :]:
                upstream.find_listeners(downstream)
    return nlp
