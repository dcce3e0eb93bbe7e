// Byte-to-UTF-8 decoding for feeds and pages, on ICU converters. Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace rasd::charset {

struct Decoded {
  std::string utf8;
  std::string charset;   // the charset actually used, lower case ("utf-8", "windows-1256", ...)
  bool label_ignored = false;  // a declared charset was overridden (e.g. UTF-8 bytes under latin-1)
  std::string problem;  // non-empty: what was wrong with the bytes or the label (a "bozo" warning)
};

// True when ICU has a converter for this charset name.
bool known(std::string_view charset);

// ICU's best guess of the charset of undeclared bytes, lower case, or "" when it has none.
std::string detect(std::string_view bytes);

// Charset parameter of a Content-Type header value ("text/xml; charset=UTF-8" -> "utf-8").
std::string from_content_type(std::string_view content_type);

// Encoding pseudo-attribute of an XML declaration at the start of (ASCII-compatible) bytes.
std::string from_xml_declaration(std::string_view bytes);

// True when the bytes are valid UTF-8.
bool is_valid_utf8(std::string_view bytes);

// Decodes with the RFC 7303 precedence: BOM, then the transport charset, then the in-document
// declaration, then UTF-8. A non-UTF-8 label on bytes that are valid, non-ASCII UTF-8 is
// treated as a lie. Undeclared bytes that are not UTF-8 are decoded as what ICU detects.
// Invalid sequences become U+FFFD; never fails.
Decoded to_utf8(std::string_view bytes, std::string_view transport_charset,
                std::string_view document_charset);

// Converts with one named ICU converter; invalid sequences become U+FFFD. Unknown charset names
// fall back to UTF-8 repair.
std::string convert(std::string_view bytes, std::string_view charset);

}  // namespace rasd::charset
