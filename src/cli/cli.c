/* cli.c - the slant command: dispatch to a subcommand, --help, --version.
 *
 * Each subcommand lives in its own file (cmd_*.c) and parses its own
 * options. Help goes to stdout with status 0; usage errors go to stderr
 * with status 2; data and I/O failures exit 1.
 */
#include <libsvm/svm.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* The help, a section a string (C11 promises string literals of 4095 bytes). */
static const char *const help_text[] = {
    "usage: slant <command> [options] [file ...]\n"
    "\n"
    "Say how a news article frames its story and what kind of outlet wrote it,\n"
    "and show the phrases that pushed each score.\n"
    "\n"
    "Commands:\n"
    "  classify [file ...]       score documents with a model (default: the shipped one)\n"
    "  train --out MODEL DATA... train a model on labelled data (JSONL, fastText, TSV, dirs)\n"
    "  eval --model MODEL DATA.. precision, recall, F1 and confusion on labelled data\n"
    "  inspect [--model MODEL]   heads, labels, settings and the heaviest phrases per label\n"
    "  trace --out DIR CORPUS..  families of copies and rewrites, and how their framing moved\n"
    "  spin FILE...              fixed phrases broken by synonyms (content-farm evidence)\n"
    "  audit --out DIR FILE...   classify a JSONL corpus and aggregate it by group and time:\n"
    "                            summary.json, CSV tables, report.html\n"
    "\n",
    "classify options:\n"
    "  -m, --model FILE          model file (default: $SLANT_MODEL, else the shipped model)\n"
    "  -f, --format FMT          table (default on a terminal), jsonl, or tsv\n"
    "  -k, --top K|all           terms shown per predicted label (default 5)\n"
    "  -i, --input FMT           text (each file is one document) or jsonl (one\n"
    "                            {\"id\",\"text\"} object per line); by default .jsonl and\n"
    "                            .ndjson files are jsonl, others text\n"
    "  -j, --threads N           classify with N threads (default 1)\n"
    "      --mask-field FIELD    blank each JSONL record's FIELD value from its text\n"
    "      --mask-names FILE     blank the names in FILE (one a line) from every text\n"
    "      --keep FIELD,...|all  copy these input fields (all: every one but id and text)\n"
    "                            into each JSONL output record, under \"fields\"\n"
    "      --include GLOB        in a directory, only files matching GLOB (repeatable)\n"
    "      --exclude GLOB        in a directory, skip files and directories matching GLOB\n"
    "      --min-words N         abstain on texts of fewer words (default 20; 0: never)\n"
    "      --min-phrases N       abstain on texts with fewer of the model's phrases (default 5)\n"
    "      --any-language        do not abstain on texts that do not look English\n"
    "      --no-abstain          classify everything with a label, however little it says\n"
    "      --offset BYTES        where this input starts in the whole (a shard's offset), for\n"
    "                            the byte offsets of error records\n"
    "      --spin, --no-spin     spin evidence (fixed phrases broken by synonyms, a content-\n"
    "                            farm sign, shown beside the scores): on in the table, off\n"
    "                            in JSONL unless --spin (it adds about a third to the CPU time)\n"
    "      --spin-table FILE     the collocations for spin evidence (default: shipped)\n"
    "\n",
    "train options:\n"
    "  -o, --out FILE            where to write the model (atomically)\n"
    "      --cv K                report K-fold cross-validated metrics, per fold and in all\n"
    "      --oof FILE            with --cv: out-of-fold predictions as JSONL\n"
    "      --folds-out FILE      with --cv: each record's fold, as TSV\n"
    "      --group FIELD         keep records sharing FIELD in one --cv fold (story, source)\n"
    "      --inner-folds HOW     stratified (default) or grouped by --group where labels allow\n"
    "      --mask-field FIELD    blank each record's FIELD value (e.g. source) from its text\n"
    "      --mask-names FILE     blank the names in FILE (one a line) from every text\n"
    "      --skip-bad            skip and report malformed records instead of stopping\n"
    "      --format FMT          auto (default), jsonl, fasttext, tsv, or dir\n"
    "      --head NAME           head of fasttext, tsv and dir data (default label);\n"
    "                            for JSONL, train only this head\n"
    "      --thresholds OBJ      multi-label thresholds serve both (default), micro or macro F1\n"
    "      --language LANG       Snowball stemmer (default english)\n"
    "      --ngrams N            word n-grams 1..N, N at most 3 (default 3)\n"
    "      --min-df N            keep phrases seen in N or more documents (default 2)\n"
    "      --max-df F            drop phrases in more than F of documents (default 1.0)\n"
    "      --max-features N      keep the N most frequent phrases (default: all)\n"
    "      --folds K             inner folds for C, calibration, thresholds (default 5)\n"
    "      --c LIST              candidate costs, comma-separated (default 0.1,0.3,1,3,10)\n"
    "      --gram-mb N           memory for the shared kernel matrix (default 2048)\n"
    "  -j, --threads N           training threads, 1 to 64 (default 2)\n"
    "      --seed N              fold shuffling seed (default 1)\n"
    "\n",
    "audit options (also: slant audit merge --out DIR SHARD...; slant audit report DIR\n"
    "[--out DIR] [--trace TRACE_DIR]):\n"
    "  -o, --out DIR             where the audit goes (partial.slaud, tables, report.html)\n"
    "  -b, --by FIELD            group by this JSONL field (repeatable, up to 8)\n"
    "  -t, --time FIELD:UNIT     group by a date field per day, week, month or year\n"
    "      --resume              continue the audit in DIR after a crash or a kill\n"
    "      --checkpoint N        save the aggregate every N records (default 100000)\n"
    "  -k, --top K               distinctive phrases per group (default 20)\n"
    "      --link URL            link example ids to URL, with {id} replaced\n"
    "      --trace TRACE_DIR     add the families of slant trace --out TRACE_DIR to the\n"
    "                            report (also for merge and report)\n"
    "      --trace-families N    families shown in the report (default 20)\n"
    "  -q, --quiet               no progress line on a terminal\n"
    "  -m, --model, -j, --threads  as for classify\n"
    "\n",
    "eval and inspect options:\n"
    "  -m, --model FILE          model file\n"
    "      --format FMT          table (default) or json\n"
    "      --mask-field, --mask-names  as for train (eval)\n"
    "  -k, --top K               phrases per label for inspect (default 10)\n"
    "\n"
    "  -h, --help                this help;  -V, --version  the version\n"
    "\n"
    "Exit status: 0 success, 1 data or I/O failure, 2 usage error.\n"
    "See slant(1) for the data formats and the output fields.\n",
};

int cli_help(void)
{
    for (size_t i = 0; i < sizeof help_text / sizeof help_text[0]; i++)
        fputs(help_text[i], stdout);
    return cli_close_stdout();
}

int slant_cli_main(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("slant <command> [options] [file ...]", "no command given");
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        return cli_help();
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("slant %s (model format %d, libsvm %d)\n", SLANT_VERSION, SLANT_MODEL_FORMAT,
               libsvm_version);
        return cli_close_stdout();
    }
    if (strcmp(cmd, "classify") == 0)
        return cli_cmd_classify(argc - 1, argv + 1);
    if (strcmp(cmd, "train") == 0)
        return cli_cmd_train(argc - 1, argv + 1);
    if (strcmp(cmd, "eval") == 0)
        return cli_cmd_eval(argc - 1, argv + 1);
    if (strcmp(cmd, "inspect") == 0)
        return cli_cmd_inspect(argc - 1, argv + 1);
    if (strcmp(cmd, "trace") == 0)
        return cli_cmd_trace(argc - 1, argv + 1);
    if (strcmp(cmd, "spin") == 0)
        return cli_cmd_spin(argc - 1, argv + 1);
    if (strcmp(cmd, "audit") == 0)
        return cli_cmd_audit(argc - 1, argv + 1);
    return cli_usage_error("slant <command> [options] [file ...]", "unknown command '%s'", cmd);
}
