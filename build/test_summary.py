"""Adds up the counters of every .trx file under a folder and prints `N passed, M failed, K skipped`."""
import glob
import sys
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"

def main(folder: str) -> int:
    passed = failed = skipped = 0
    files = glob.glob(f"{folder}/**/*.trx", recursive=True)
    for f in files:
        counters = ET.parse(f).getroot().find(f"{NS}ResultSummary/{NS}Counters")
        if counters is None:
            continue
        passed += int(counters.get("passed", 0))
        failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
        skipped += int(counters.get("notExecuted", 0))
    if not files:
        print("no test results found", file=sys.stderr)
        return 1
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
