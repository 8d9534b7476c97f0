# Bash completion for foundry. Installed to share/bash-completion/completions/foundry; to try it
# from a build tree: source ui-cli/completion/foundry.bash
#
# Subcommands and their options are read from `foundry --help` and `foundry SUB --help`, so the
# completion follows the binary (new commands complete without editing this file). Run ids (for
# history, gantt, show, cancel, ...) are read from the database named by --db (default
# foundry.db) with the sqlite3 command line, when it is installed.

_foundry_help_words() {
  # $1: the words of the command whose help to read (may be empty for the top level)
  # Prints the subcommand names of that help's "Subcommands:" section, or its options.
  local section="$2"
  "${_foundry_binary}" $1 --help 2>/dev/null | awk -v want="$section" '
    /^[A-Za-z].*:$/ { in_section = ($0 == want ":"); next }
    in_section && /^  [^ ]/ {
      if (want == "Subcommands") { print $1 }
      else {
        n = split($1, names, ",")
        for (i = 1; i <= n; i++) { sub(/=.*/, "", names[i]); if (names[i] ~ /^-/) print names[i] }
      }
    }'
}

_foundry_run_ids() {
  local db="$1"
  [ -f "$db" ] && command -v sqlite3 >/dev/null 2>&1 || return 0
  sqlite3 -readonly "$db" "SELECT run_id FROM runs ORDER BY created_at" 2>/dev/null
}

_foundry() {
  local cur prev
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  _foundry_binary="${COMP_WORDS[0]}"
  command -v "${_foundry_binary}" >/dev/null 2>&1 || _foundry_binary=foundry

  # The subcommand path so far (e.g. "driver check") and the database named by --db.
  local path="" db="foundry.db" i word
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="${COMP_WORDS[i]}"
    if [ "$word" = "--db" ] && [ $((i + 1)) -lt "$COMP_CWORD" ]; then db="${COMP_WORDS[i+1]}"; fi
    case "$word" in
      -*) ;;
      *)
        local subs
        subs=$(_foundry_help_words "$path" Subcommands)
        if printf '%s\n' $subs | grep -qx -- "$word"; then path="${path:+$path }$word"; fi
        ;;
    esac
  done

  # Options that take a file or a folder.
  case "$prev" in
    --db | --workcell | --protocol | --out | --problem | --schedule | --svg | --json-out | --plugin)
      COMPREPLY=($(compgen -f -- "$cur"))
      compopt -o filenames 2>/dev/null
      return 0
      ;;
  esac

  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_foundry_help_words "$path" Options)" -- "$cur"))
    return 0
  fi
  local subcommands
  subcommands=$(_foundry_help_words "$path" Subcommands)
  if [ -n "$subcommands" ]; then
    COMPREPLY=($(compgen -W "$subcommands" -- "$cur"))
    return 0
  fi
  case "${path%% *}" in
    history | gantt | show | cancel | hold | resume | results | ack)
      COMPREPLY=($(compgen -W "$(_foundry_run_ids "$db")" -- "$cur"))
      ;;
    *)
      COMPREPLY=($(compgen -f -- "$cur"))
      compopt -o filenames 2>/dev/null
      ;;
  esac
}

complete -F _foundry foundry
