// Internals of article extraction shared by article_extract.cpp and article_meta.cpp.
#pragma once

#include <gumbo.h>

#include <string>
#include <string_view>

#include "rasd/parsers/article.hpp"

namespace rasd::html::detail {

// The charset a <meta charset> or <meta http-equiv="Content-Type" content="…charset=…"> in the
// first 1024 bytes declares (the HTML standard's prescan, simplified), lower case; "" if none.
std::string meta_charset(std::string_view bytes);

// Title, byline, published time, lang, dir and canonical URL from <head>, JSON-LD, <h1> and
// <time>; relative URLs resolved against `url`.
void read_metadata(const GumboNode* root, const std::string& url, ExtractedArticle& out);

// `s` with runs of white space as one space, none at either end.
std::string squeeze(std::string_view s);


}  // namespace rasd::html::detail
