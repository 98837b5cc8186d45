"""Procedural scenes whose truth is known: seeded images of shapes and composite objects (a
house with a door and windows, a sign with a word, a flower with petals, a car), each with the
boxes, names, colours, sizes, positions, text and true region tree of everything drawn.

    scene = generate_scene(7)           # Scene: .image (PIL), .objects (SceneObject)
    tree = true_tree(scene)             # the true RegionTree
    crop = scene.crop(scene.objects[0])
    caption(scene), qa_pairs(scene), describe_object(scene, obj)
"""

from ouro_toolkit.scenes.generate import (
    PRESETS,
    SceneConfig,
    generate_scene,
    generate_scenes,
    scene_from_id,
)
from ouro_toolkit.scenes.language import (
    caption,
    describe_object,
    describe_scene,
    qa_pairs,
    refer,
    salient_caption,
    true_tree,
)
from ouro_toolkit.scenes.truth import Scene, SceneObject, position_word, scene_id, size_class

__all__ = [
    "PRESETS",
    "scene_from_id",
    "Scene",
    "SceneConfig",
    "SceneObject",
    "caption",
    "describe_object",
    "describe_scene",
    "generate_scene",
    "generate_scenes",
    "position_word",
    "qa_pairs",
    "salient_caption",
    "refer",
    "scene_id",
    "size_class",
    "true_tree",
]
