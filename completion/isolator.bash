# bash completion for isolator(1). The options of each subcommand come from
# its own --help, so this file never lags behind the command.

_isolator()
{
	local cur prev cmd sub i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	cmd=""
	sub=""
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*)
			if [[ -z $cmd ]]; then
				cmd=${COMP_WORDS[i]}
			elif [[ -z $sub && ($cmd == bench || $cmd == model) ]]; then
				sub=${COMP_WORDS[i]}
			fi
			;;
		esac
		# after `isolator run ... --` the rest is another command
		if [[ $cmd == run && ${COMP_WORDS[i]} == -- ]]; then
			_command_offset $((i + 1))
			return
		fi
	done

	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "run check apply revert stat demo model bench explain --help --version" -- "$cur"))
		return
	fi
	case $prev in
	--json|-o|--output|--histogram|--plot|--prometheus|-P|--bench|-B)
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--cpu|-c|--cpus|--other-cpu|--control-cpu)
		local online
		online=$(cat /sys/devices/system/cpu/online 2>/dev/null)
		COMPREPLY=($(compgen -W "all N $online" -- "$cur"))
		return
		;;
	esac
	if [[ ($cmd == bench || $cmd == model) && -z $sub ]]; then
		case $cmd in
		bench) COMPREPLY=($(compgen -W "response toggle noise ipc" -- "$cur")) ;;
		model) COMPREPLY=($(compgen -W "record report" -- "$cur")) ;;
		esac
		return
	fi
	if [[ $cur == -* ]]; then
		local opts
		opts=$("${COMP_WORDS[0]}" $cmd $sub --help 2>/dev/null |
			grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	if [[ ($cmd == model && $sub == report) || $cmd == explain ]]; then
		compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}
complete -F _isolator isolator
