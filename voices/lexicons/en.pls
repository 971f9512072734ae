<?xml version="1.0" encoding="UTF-8"?>
<!-- English pronunciation lexicon (W3C PLS 1.0): names English voices often misread. -->
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
         alphabet="ipa" xml:lang="en-US">
  <lexeme><grapheme>Nvidia</grapheme><phoneme>ɛnˈvɪdiə</phoneme><alias>en vidia</alias></lexeme>
  <lexeme><grapheme>DeepSeek</grapheme><phoneme>ˈdiːpsiːk</phoneme><alias>deep seek</alias></lexeme>
  <lexeme><grapheme>OpenAI</grapheme><phoneme>ˈoʊpən eɪ aɪ</phoneme><alias>open A I</alias></lexeme>
  <lexeme><grapheme>Qant</grapheme><phoneme>kɑːnt</phoneme><alias>kahnt</alias></lexeme>
  <lexeme><grapheme>Anduril</grapheme><phoneme>ˈændəɹɪl</phoneme><alias>andu ril</alias></lexeme>
  <lexeme><grapheme>ChatGPT</grapheme><phoneme>tʃæt dʒi pi ti</phoneme><alias>chat G P T</alias></lexeme>
</lexicon>
