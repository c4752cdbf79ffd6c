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

# MINI with actions for every step of alpha, in three languages (beta has none: the roadmap falls
# back to its level descriptions).
GUIDED_YAML = MINI_YAML.replace(
    "    prompts:\n",
    "    actions:\n"
    "      2:\n"
    "        - {en: Name an alpha owner., es: Nombrar a quien lleva alfa., de: Alpha-Verantwortung festlegen.}\n"
    "        - {en: Write the alpha rules down., es: Escribir las reglas de alfa., de: Alpha-Regeln aufschreiben.}\n"
    "      3:\n"
    "        - {en: Alpha step 3a., es: Paso alfa 3a., de: Alpha-Schritt 3a.}\n"
    "        - {en: Alpha step 3b., es: Paso alfa 3b., de: Alpha-Schritt 3b.}\n"
    "    prompts:\n",
)
