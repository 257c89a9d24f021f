# bash completion for mica.  Commands, options and VM names are asked of
# mica itself (`mica --help`, `mica CMD --help`, `mica list -q`), so this
# file needs no change when a command or option is added.
_mica_commands()
{
    mica --help 2>/dev/null | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p'
}

_mica_options()
{
    mica "$1" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u
}

_mica()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local cmd=${COMP_WORDS[1]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$(_mica_commands) --help --version" -- "$cur"))
        return
    fi
    case $prev in
    -f | --file | --kernel | --initrd | --disk | --socket | --state-dir | --vmm | --control)
        COMPREPLY=($(compgen -f -- "$cur"))
        return ;;
    --state)
        COMPREPLY=($(compgen -W "defined starting running paused stopping shutdown crashed" -- "$cur"))
        return ;;
    --format)
        COMPREPLY=($(compgen -W "json kv" -- "$cur"))
        return ;;
    --autostart)
        COMPREPLY=($(compgen -W "on off" -- "$cur"))
        return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_mica_options "$cmd")" -- "$cur"))
        return
    fi
    case $cmd in
    run)
        COMPREPLY=($(compgen -f -- "$cur")) ;;
    start | pause | resume | shutdown | destroy | delete | reboot | rename | set | info | \
        console | logs | stats | export)
        # the VM comes first; later words are files or values
        if [ "$COMP_CWORD" -eq 2 ]; then
            COMPREPLY=($(compgen -W "$(mica list -q 2>/dev/null)" -- "$cur"))
        fi ;;
    esac
}
complete -F _mica mica
