"""Sample inputs shared by several test modules."""

from __future__ import annotations

import textwrap

MINI_YAML = textwrap.dedent(
    """\
    id: mini
    version: 1
    name: {en: Mini, es: Mini, de: Mini}
    description: {en: A tiny framework., es: Un marco pequeño., de: Ein kleines Modell.}
    ask_target: true
    ask_importance: false
    scale:
      levels:
        - value: 1
          key: low
          label: {en: Low, es: Bajo, de: Niedrig}
          summary: {en: Little in place., es: Poco., de: Wenig.}
        - value: 2
          key: medium
          label: {en: Medium, es: Medio, de: Mittel}
          summary: {en: Some things in place., es: Algo., de: Einiges.}
        - value: 3
          key: high
          label: {en: High, es: Alto, de: Hoch}
          summary: {en: Everything in place., es: Todo., de: Alles.}
    areas:
      - id: alpha
        name: {en: Alpha, es: Alfa, de: Alpha}
        question: {en: "How is alpha?", es: "¿Cómo va alfa?", de: "Wie steht es um Alpha?"}
        levels:
          1: {en: Alpha is absent., es: No hay alfa., de: Kein Alpha.}
          2: {en: Alpha is partial., es: Alfa parcial., de: Teilweise Alpha.}
          3: {en: Alpha is complete., es: Alfa completo., de: Alpha komplett.}
        prompts:
          - {en: "Who owns alpha?", es: "¿Quién es dueño de alfa?", de: "Wem gehört Alpha?"}
      - id: beta
        name: {en: Beta, es: Beta, de: Beta}
        question: {en: "How is beta?", es: "¿Cómo va beta?", de: "Wie steht es um Beta?"}
        weight: 2
        levels:
          1: {en: Beta is absent., es: No hay beta., de: Kein Beta.}
          2: {en: Beta is partial., es: Beta parcial., de: Teilweise Beta.}
          3: {en: Beta is complete., es: Beta completo., de: Beta komplett.}
    """
)
