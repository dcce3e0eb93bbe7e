// Rule hits as JSON (`{"field","start","end","text","view"}`), shared by alert payloads and
// `rasd match` so both print the same contract.
#pragma once

#include <boost/json/array.hpp>
#include <vector>

#include "rasd/engine/rules/matcher.hpp"

namespace rasd {

boost::json::array hits_to_json(const std::vector<rules::Hit>& hits);

}  // namespace rasd
