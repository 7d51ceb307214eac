"""Administrative divisions of the 成渝地区双城经济圈: provinces, cities and member counties."""
