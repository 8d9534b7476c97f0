# Bash completion for foundry. Installed to share/bash-completion/completions/foundry; to try it
# from a build tree: source ui-cli/completion/foundry.bash
#
# Subcommands and their options are read from `foundry --help` and `foundry SUB --help`, so the
# completion follows the binary (new commands complete without editing this file). Run ids (for
# history, gantt, show, cancel, hold, resume, ack, results) are read from the database named by
# --db (else $FOUNDRY_DB, else foundry.db) with the sqlite3 command line, when it is installed;
# read-only, so it is safe while foundryd serves the database. For `ack RUN`, the steps of RUN
# waiting for an answer complete next, then the choices retry, skip, abort. Device ids (for
# `devices out` and `devices in`) are asked from the foundryd serving --db (foundry devices --json).

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

_foundry_prompt_steps() {
  # $1: database, $2: run id. The run's steps with an open prompt.
  local db="$1" run="$2"
  case "$run" in *\'*) return 0 ;; esac  # run ids have no quotes; never build SQL from one that does
  [ -f "$db" ] && command -v sqlite3 >/dev/null 2>&1 || return 0
  sqlite3 -readonly "$db" "SELECT step_id FROM prompts WHERE run_id = '$run' ORDER BY since" 2>/dev/null
}

_foundry_device_ids() {
  # $1: database. The devices of the foundryd serving it (nothing when none answers quickly).
  "${_foundry_binary}" devices --json --db "$1" --timeout 2 2>/dev/null | grep -o '"id": "[^"]*"' | cut -d'"' -f4
}

_foundry() {
  local cur prev
  cur="${COMP_WORDS[COMP_CWORD]}"
  prev="${COMP_WORDS[COMP_CWORD-1]}"
  _foundry_binary="${COMP_WORDS[0]}"
  command -v "${_foundry_binary}" >/dev/null 2>&1 || _foundry_binary=foundry

  # The subcommand path so far (e.g. "driver check") and the database named by --db.
  local path="" db="${FOUNDRY_DB:-foundry.db}" i word
  local -a positionals=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="${COMP_WORDS[i]}"
    if [ "$word" = "--db" ] && [ $((i + 1)) -lt "$COMP_CWORD" ]; then db="${COMP_WORDS[i+1]}"; fi
    case "$word" in
      -*) ;;
      *)
        local subs
        subs=$(_foundry_help_words "$path" Subcommands)
        if printf '%s\n' $subs | grep -qx -- "$word"; then
          path="${path:+$path }$word"
        elif [ -n "$path" ] && [[ "${COMP_WORDS[i-1]}" != -* ]]; then
          positionals+=("$word")  # a word that is no option's value: RUN, STEP, ...
        fi
        ;;
    esac
  done

  # Options that take a file or a folder.
  case "$prev" in
    --db | --workcell | --protocol | --out | --problem | --schedule | --svg | --json-out | --plugin | --designs | --keys | --plugin-dir)
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
  case "${path%% *}:${#positionals[@]}" in
    ack:1)
      COMPREPLY=($(compgen -W "$(_foundry_prompt_steps "$db" "${positionals[0]}")" -- "$cur"))
      ;;
    ack:2)
      COMPREPLY=($(compgen -W "retry skip abort" -- "$cur"))
      ;;
    devices:0)  # devices out DEVICE, devices in DEVICE
      COMPREPLY=($(compgen -W "$(_foundry_device_ids "$db")" -- "$cur"))
      ;;
    history:0 | gantt:0 | show:0 | cancel:0 | hold:0 | resume:0 | results:0 | ack:0)
      COMPREPLY=($(compgen -W "$(_foundry_run_ids "$db")" -- "$cur"))
      ;;
    *)
      COMPREPLY=($(compgen -f -- "$cur"))
      compopt -o filenames 2>/dev/null
      ;;
  esac
}

complete -F _foundry foundry
