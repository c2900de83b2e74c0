"""Adds up the counters of every .trx file under a folder and prints `N passed, M failed, K skipped`.

Each failed test is named first (on stderr, with the first lines of its message) so that the end of a CI log,
which is often all that is kept, says what failed."""
import glob
import sys
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"

def failures(root):
    for result in root.iter(f"{NS}UnitTestResult"):
        if result.get("outcome") in ("Failed", "Error", "Timeout", "Aborted"):
            message = result.find(f"{NS}Output/{NS}ErrorInfo/{NS}Message")
            text = (message.text or "").strip() if message is not None else ""
            yield result.get("testName"), text

def main(folder: str) -> int:
    passed = failed = skipped = 0
    files = glob.glob(f"{folder}/**/*.trx", recursive=True)
    for f in sorted(files):
        root = ET.parse(f).getroot()
        counters = root.find(f"{NS}ResultSummary/{NS}Counters")
        if counters is None:
            continue
        passed += int(counters.get("passed", 0))
        failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
        skipped += int(counters.get("notExecuted", 0))
        for name, text in failures(root):
            lines = text.splitlines()[:6]
            print(f"FAILED {name}", file=sys.stderr)
            for line in lines:
                print(f"    {line}", file=sys.stderr)
    if not files:
        print("no test results found", file=sys.stderr)
        return 1
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
