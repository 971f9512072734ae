<?xml version="1.0" encoding="UTF-8"?>
<!-- French pronunciation lexicon (W3C PLS 1.0): names the French voices misread.
     An <alias> is what the voice says instead (every engine); a <phoneme> in IPA is used by
     engines that read phonemes (Google, Azure, Polly). -->
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
         alphabet="ipa" xml:lang="fr-FR">
  <lexeme><grapheme>Qant</grapheme><phoneme>kɑ̃t</phoneme><alias>Kante</alias></lexeme>
  <lexeme><grapheme>DeepSeek</grapheme><grapheme>Deepseek</grapheme><phoneme>dipsik</phoneme><alias>Dipe Sik</alias></lexeme>
  <lexeme><grapheme>Mistral</grapheme><phoneme>mistʁal</phoneme><alias>Mistral</alias></lexeme>
  <lexeme><grapheme>Helsing</grapheme><phoneme>ɛlsiŋ</phoneme><alias>Elsingue</alias></lexeme>
  <lexeme><grapheme>Starlink</grapheme><phoneme>staʁlink</phoneme><alias>Star linke</alias></lexeme>
  <lexeme><grapheme>Palantir</grapheme><phoneme>palɑ̃tiʁ</phoneme><alias>Palantire</alias></lexeme>
  <lexeme><grapheme>Anduril</grapheme><phoneme>ɑ̃dyʁil</phoneme><alias>Andurile</alias></lexeme>
  <lexeme><grapheme>Figure AI</grapheme><phoneme>fiɡjuʁ ɛj aj</phoneme><alias>Figueur É Aïe</alias></lexeme>
  <lexeme><grapheme>Helix</grapheme><phoneme>eliks</phoneme><alias>Élixe</alias></lexeme>
  <lexeme><grapheme>Magma</grapheme><phoneme>maɡma</phoneme><alias>Magma</alias></lexeme>
  <lexeme><grapheme>Together AI</grapheme><phoneme>tuɡɛðœʁ ɛj aj</phoneme><alias>Tougueuzeur É Aïe</alias></lexeme>
  <lexeme><grapheme>OpenAI</grapheme><phoneme>opɛn ɛj aj</phoneme><alias>Open É Aïe</alias></lexeme>
  <lexeme><grapheme>Nvidia</grapheme><phoneme>ɛnvidja</phoneme><alias>Ène vidia</alias></lexeme>
  <lexeme><grapheme>Microsoft</grapheme><phoneme>mikʁosɔft</phoneme><alias>Micrôssofte</alias></lexeme>
  <lexeme><grapheme>Google</grapheme><phoneme>ɡuɡœl</phoneme><alias>Gougueule</alias></lexeme>
  <lexeme><grapheme>Gemini</grapheme><phoneme>ʒemini</phoneme><alias>Jémini</alias></lexeme>
  <lexeme><grapheme>ChatGPT</grapheme><phoneme>tʃat ʒe pe te</phoneme><alias>Tchatte G P T</alias></lexeme>
  <lexeme><grapheme>Elon Musk</grapheme><phoneme>ilɔn mœsk</phoneme><alias>Ilone Meusk</alias></lexeme>
  <lexeme><grapheme>Perplexity</grapheme><phoneme>pœʁplɛksiti</phoneme><alias>Peurplexiti</alias></lexeme>
  <lexeme><grapheme>Llama</grapheme><phoneme>lama</phoneme><alias>Lama</alias></lexeme>
  <lexeme><grapheme>Operator</grapheme><phoneme>ɔpəʁɛjtœʁ</phoneme><alias>Opéréteur</alias></lexeme>
  <lexeme><grapheme>stablecoin</grapheme><grapheme>stablecoins</grapheme><phoneme>stɛjbəlkɔjn</phoneme><alias>stéibeul coïne</alias></lexeme>
  <lexeme><grapheme>start-up</grapheme><phoneme>staʁtœp</phoneme><alias>starteupe</alias></lexeme>
  <lexeme><grapheme>cloud</grapheme><phoneme>klaud</phoneme><alias>claoude</alias></lexeme>
  <lexeme><grapheme>hyperscalers</grapheme><phoneme>ajpœʁskɛjlœʁ</phoneme><alias>haïpeurskéleurs</alias></lexeme>
</lexicon>
