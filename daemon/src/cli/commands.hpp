// Subcommands of the rasd binary that live outside main.cpp.
#pragma once

#include <iosfwd>
#include <string>

namespace rasd::cli {

// `rasd dedup`: reads article JSON Lines, writes {"id","cluster","duplicate_of","kind"} per line.
int cmd_dedup(std::istream& in, const std::string& input_name, std::ostream& out, std::ostream& err);

}  // namespace rasd::cli
